// The project's own ESLint rules (plugin `fulltime`, used by eslint.config.js; tested in
// test/eslint-rules.test.ts).
//
// no-unhandled-stored-promise: a promise put into a collection (`push`, `unshift`, `add`, `set`) to be
// awaited later is a rejection nobody handles until then. If it fails in between, while the code
// awaits something else, Node ends the process (the scoreboard projection's ZADDs did this to the
// settlement worker whenever Redis refused a write). `no-floating-promises` does not see it: a
// promise kept in an array is not floating. Handle the failure where the promise is made (`.catch()`,
// or `.then()` with a rejection handler) and keep that handled promise instead.
import { ESLintUtils } from '@typescript-eslint/utils';
import { isThenableType } from 'ts-api-utils';

const COLLECTING_METHODS = new Set(['push', 'unshift', 'add', 'set']);

/**
 * `p.catch(f)`, `p.then(f, g)`, `Promise.allSettled(…)`, such a promise's `.finally(f)`, or a `const`
 * initialised with one: a promise whose failure is handled.
 */
function isHandled(node, scope) {
  if (node.type === 'AwaitExpression') return true;
  if (node.type === 'Identifier') {
    const variable = findVariable(scope, node.name);
    const definition = variable?.defs.length === 1 ? variable.defs[0] : undefined;
    return (
      definition?.type === 'Variable' &&
      definition.parent.kind === 'const' &&
      definition.node.init != null &&
      isHandled(definition.node.init, scope)
    );
  }
  if (
    node.type !== 'CallExpression' ||
    node.callee.type !== 'MemberExpression' ||
    node.callee.property.type !== 'Identifier'
  )
    return false;
  const method = node.callee.property.name;
  if (method === 'catch' && node.arguments.length >= 1) return true;
  if (method === 'then' && node.arguments.length >= 2) return true;
  if (method === 'finally') return isHandled(node.callee.object, scope);
  return method === 'allSettled' && node.callee.object.type === 'Identifier' && node.callee.object.name === 'Promise';
}

function findVariable(scope, name) {
  for (let current = scope; current; current = current.upper) {
    const variable = current.set.get(name);
    if (variable) return variable;
  }
  return undefined;
}

const noUnhandledStoredPromise = ESLintUtils.RuleCreator.withoutDocs({
  meta: {
    type: 'problem',
    messages: {
      stored:
        'A promise kept in a collection to await later is an unhandled rejection until then, and ends the process if it fails meanwhile. Handle its failure where it is made (.catch(), or .then(onFulfilled, onRejected)) and keep that promise.',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const services = ESLintUtils.getParserServices(context);
    const checker = services.program.getTypeChecker();
    return {
      CallExpression(node) {
        const callee = node.callee;
        if (
          callee.type !== 'MemberExpression' ||
          callee.property.type !== 'Identifier' ||
          !COLLECTING_METHODS.has(callee.property.name)
        )
          return;
        // Map#set(key, value): only the value is kept.
        const kept = callee.property.name === 'set' ? node.arguments.slice(1) : node.arguments;
        for (const argument of kept) {
          if (argument.type === 'SpreadElement' || isHandled(argument, context.sourceCode.getScope(node))) continue;
          const tsNode = services.esTreeNodeToTSNodeMap.get(argument);
          if (isThenableType(checker, tsNode, checker.getTypeAtLocation(tsNode)))
            context.report({ node: argument, messageId: 'stored' });
        }
      },
    };
  },
});

export default { rules: { 'no-unhandled-stored-promise': noUnhandledStoredPromise } };
