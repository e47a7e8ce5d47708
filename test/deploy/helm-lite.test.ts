/**
 * helm-lite follows Go text/template and sprig semantics for what the chart uses: each expected
 * output here is what Go's text/template with sprig v3 printed for the same template (checked once
 * with a small Go program, as no helm binary can be installed on these machines).
 */
import { describe, expect, it } from 'vitest';
import { renderSources, renderTexts, TemplateError, truthy } from './helm-lite.js';

const run = (template: string, values: Record<string, unknown> = {}, helpers = ''): string => {
  const templates = new Map<string, string>([
    ['templates/_helpers.tpl', helpers],
    ['templates/t.yaml', template],
  ]);
  return renderTexts({ chart: { name: 'c', version: '1.2.3', appVersion: '4.5' }, values, templates, releaseName: 'rel', namespace: 'ns' }).get(
    'templates/t.yaml',
  )!;
};

describe('helm-lite: Go template semantics', () => {
  it('prints fields, release and chart data', () => {
    expect(run('{{ .Values.a.b }} {{ .Release.Name }}/{{ .Release.Namespace }} {{ .Chart.Name }}-{{ .Chart.Version }}', { a: { b: 7 } })).toBe(
      '7 rel/ns c-1.2.3',
    );
  });

  it('prints a missing map key as nothing, and fails on a field of nil', () => {
    expect(run('[{{ .Values.nope }}]')).toBe('[]');
    expect(() => run('{{ .Values.nope.deeper }}')).toThrow('templates/t.yaml:1: nil pointer evaluating .Values.nope.deeper');
  });

  it('trims whitespace on the marked side only', () => {
    expect(run('a  \n  {{- "x" }}  \n  b')).toBe('ax  \n  b');
    expect(run('a  \n  {{ "x" -}}  \n  b')).toBe('a  \n  xb');
    expect(run('a {{- /* comment */ -}} b')).toBe('ab');
    // `{{-3}}` is the number -3, not a trim marker
    expect(run('{{-3}}')).toBe('-3');
  });

  it('if / else if / else with Go truthiness', () => {
    const t = '{{ if .Values.a }}A{{ else if .Values.b }}B{{ else }}C{{ end }}';
    expect(run(t, { a: 1 })).toBe('A');
    expect(run(t, { a: 0, b: 'x' })).toBe('B');
    expect(run(t, { a: [], b: {} })).toBe('C');
    expect([truthy(''), truthy(0), truthy(null), truthy([]), truthy({}), truthy(false)]).toEqual([false, false, false, false, false, false]);
    expect([truthy('0'), truthy([0]), truthy({ a: 0 }), truthy(true)]).toEqual([true, true, true, true]);
  });

  it('range over lists and maps (sorted keys), with variables and else', () => {
    expect(run('{{ range .Values.l }}[{{ . }}]{{ end }}', { l: ['a', 'b'] })).toBe('[a][b]');
    expect(run('{{ range $i, $v := .Values.l }}{{ $i }}={{ $v }};{{ end }}', { l: ['a', 'b'] })).toBe('0=a;1=b;');
    expect(run('{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}', { m: { z: 1, a: 2 } })).toBe('a=2;z=1;');
    expect(run('{{ range .Values.l }}x{{ else }}empty{{ end }}', { l: [] })).toBe('empty');
    expect(run('{{ range .Values.l }}{{ $.Release.Name }}{{ end }}', { l: [1] })).toBe('rel');
  });

  it('with changes dot and has an else', () => {
    expect(run('{{ with .Values.a }}{{ .b }}{{ else }}none{{ end }}', { a: { b: 'B' } })).toBe('B');
    expect(run('{{ with .Values.a }}{{ .b }}{{ else }}none{{ end }}', { a: {} })).toBe('none');
  });

  it('variables: := declares in the block, = assigns the outer one', () => {
    expect(run('{{ $x := "a" }}{{ if true }}{{ $x = "b" }}{{ end }}{{ $x }}')).toBe('b');
    expect(run('{{ $x := "a" }}{{ if true }}{{ $x := "b" }}{{ $x }}{{ end }}{{ $x }}')).toBe('ba');
    expect(() => run('{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}')).toThrow('templates/t.yaml:1: undefined variable $y');
  });

  it('define / include with their own dot, piped into nindent', () => {
    const helpers = '{{- define "lbl" -}}\nname: {{ .name }}\nteam: {{ .team }}\n{{- end -}}';
    expect(run('labels:{{ include "lbl" .Values | nindent 2 }}', { name: 'n', team: 't' }, helpers)).toBe('labels:\n  name: n\n  team: t');
    expect(() => run('{{ include "nope" . }}')).toThrow('include: no template named "nope"');
  });

  it('pipelines and parenthesised arguments, sprig argument order', () => {
    expect(run('{{ .Values.s | trunc 3 | upper | quote }}', { s: 'abcdef' })).toBe('"ABC"');
    expect(run('{{ printf "%s-%s" .Release.Name (default "x" .Values.n) | trimSuffix "-x" }}')).toBe('rel');
    expect(run('{{ default "d" .Values.e }}|{{ default "d" .Values.f }}', { e: '', f: 'F' })).toBe('d|F');
    expect(run('{{ ternary "yes" "no" (eq .Values.a "x") }}', { a: 'x' })).toBe('yes');
    expect(run('{{ and 1 0 2 }}|{{ or 0 "" "z" }}|{{ not 0 }}')).toBe('0|z|true');
    expect(run('{{ concat (list "b" "a") .Values.l | uniq | sortAlpha | toJson }}', { l: ['a', 'c'] })).toBe('["a","b","c"]');
    expect(run('{{ dict "k" 1 "j" 2 | toJson }}|{{ hasKey .Values "a" }}|{{ index .Values.m "x.y" }}', { a: 1, m: { 'x.y': 'dot' } })).toBe(
      '{"j":2,"k":1}|true|dot',
    );
    expect(run('{{ "hi" | b64enc }}|{{ "aGk=" | b64dec }}|{{ "x" | sha256sum | trunc 8 }}')).toBe('aGk=|hi|2d711642');
  });

  it('toYaml sorts keys like sigs.k8s.io/yaml, quotes YAML 1.1 booleans (y, on) and drops the final newline', () => {
    // Helm prints sequences unindented (`- x` under `a:`); both forms are the same YAML
    expect(run('{{ toYaml .Values.m }}', { m: { b: 1, a: ['x', 'y', 'on'], c: {} } })).toBe('a:\n  - x\n  - "y"\n  - "on"\nb: 1\nc: {}');
  });

  it('and/or do not evaluate what they do not need (Go 1.18+)', () => {
    expect(run('{{ if and .Values.a .Values.a.b }}y{{ else }}n{{ end }}', {})).toBe('n');
  });

  it('required and fail stop the render with the message', () => {
    expect(() => run('{{ required "need x" .Values.x }}')).toThrow('templates/t.yaml:1: need x');
    expect(() => run('\n\n{{ fail "stop" }}')).toThrow('templates/t.yaml:3: stop');
    expect(run('{{ required "need x" .Values.x }}', { x: 'ok' })).toBe('ok');
  });

  it('rejects what it does not implement, naming it', () => {
    expect(() => run('{{ tpl .Values.x . }}')).toThrow(TemplateError);
    expect(() => run('{{ tpl .Values.x . }}')).toThrow('templates/t.yaml:1: function "tpl" not defined');
    expect(() => run('{{ if true }}x')).toThrow('templates/t.yaml:1: if without end');
    expect(() => run('{{ end }}')).toThrow('templates/t.yaml:1: unexpected {{ end }}');
    expect(() => run('{{ "x" ')).toThrow('templates/t.yaml: unclosed action');
  });

  it('splits the output into documents, skipping empty ones', () => {
    const templates = new Map([['templates/t.yaml', '---\n# only a comment\n---\na: 1\n---\n{{ if false }}b: 2{{ end }}\n---\nc: 3\n']]);
    const out = renderSources({ chart: { name: 'c' }, values: {}, templates, releaseName: 'r', namespace: 'n' });
    expect(out.documents).toEqual([{ a: 1 }, { c: 3 }]);
    expect(out.stream).toBe('---\n# Source: c/templates/t.yaml\na: 1\n---\n# Source: c/templates/t.yaml\nc: 3\n');
  });
});
