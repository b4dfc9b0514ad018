// Checks a response against the OpenAPI document the API serves: the route must be documented, the
// status must be one it documents, and a JSON body must match that status's schema (JSON Schema
// 2020-12, as OpenAPI 3.1 uses). The harness's HTTP client runs it on every response, so no test can
// receive something the document does not describe.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under ESM its function sits on `default`.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, object> };
}

export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; regex: RegExp }[];

  constructor(readonly document: Document) {
    addFormats(this.ajv);
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}$`),
    }));
  }

  /** The documented path template a concrete path belongs to, if any (literal segments win). */
  templateOf(path: string): string | undefined {
    const matches = this.templates.filter((t) => t.regex.test(path)).map((t) => t.template);
    return matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
  }

  /** Throws, naming what differs, when the response is not what the document promises. */
  check(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
    const path = new URL(url, 'http://x').pathname;
    const template = this.templateOf(path);
    const where = `${method} ${path} -> ${status}`;
    if (!template) {
      // Unknown routes answer with the error body; nothing else may be served undocumented.
      if (status < 400) throw new Error(`${where}: the route is not in the OpenAPI document`);
      this.validate('#/components/schemas/Error', { $ref: '#/components/schemas/Error' }, body, where);
      return;
    }
    const operation = this.document.paths[template]![method.toLowerCase()];
    if (!operation) {
      if (status < 400) throw new Error(`${where}: ${method} is not documented for ${template}`);
      this.validate('#/components/schemas/Error', { $ref: '#/components/schemas/Error' }, body, where);
      return;
    }
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${where}: status ${status} is not documented for ${method} ${template}`);
    const media = Object.keys(response.content ?? {})[0];
    if (!media) return;
    if (!contentType?.startsWith(media)) throw new Error(`${where}: content type ${contentType}, documented ${media}`);
    if (media === 'application/json') {
      this.validate(`${method} ${template} ${status}`, response.content![media]!.schema, body, where);
    }
  }

  private validate(key: string, schema: object, body: unknown, where: string): void {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ ...schema, components: this.document.components });
      this.compiled.set(key, validate);
    }
    if (!validate(body)) {
      const problems = (validate.errors ?? []).map(
        (e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
      );
      throw new Error(
        `${where}: the body does not match the documented schema:\n  ${problems.join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
      );
    }
  }
}
