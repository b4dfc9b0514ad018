// HTML by tagged template: every interpolated value is escaped (escape-html) unless it is already
// markup made by `html` itself, so a team named `<script>` is shown as text on every page. Nested
// templates, arrays of them and null/undefined/false (nothing) compose the way JSX does.
import escapeHtml from 'escape-html';

const MARKUP = Symbol('markup');

export interface Html {
  readonly [MARKUP]: string;
}

type Value = Html | string | number | boolean | null | undefined | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  if (typeof value === 'object' && MARKUP in value) return value[MARKUP];
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return { [MARKUP]: out };
}

export function toString(markup: Html): string {
  return markup[MARKUP];
}
