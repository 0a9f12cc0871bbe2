import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Messages, renderTemplate } from './messages.js';
import { compareProblems, formatProblem, formatProblems, hasErrors, problem, type Problem } from './problem.js';

describe('formatProblem prints istioctl analyze lines', () => {
  const cases: { name: string; p: Problem; want: string }[] = [
    {
      name: 'Istio documentation example (no file)',
      p: problem(Messages.ReferencedResourceNotFound, ['gateway', 'httpbin-gateway-bogus'], {
        resource: { kind: 'VirtualService', namespace: 'default', name: 'httpbin' },
      }),
      want: 'Error [IST0101] (VirtualService default/httpbin) Referenced gateway not found: "httpbin-gateway-bogus"',
    },
    {
      name: 'with file and line, as istioctl analyze FILE prints',
      p: problem(Messages.ReferencedResourceNotFound, ['host', 'productpage'], {
        resource: { kind: 'VirtualService', namespace: 'default', name: 'bookinfo' },
        file: 'samples/bookinfo/networking/bookinfo-gateway.yaml',
        line: 39,
        col: 5,
      }),
      want: 'Error [IST0101] (VirtualService default/bookinfo samples/bookinfo/networking/bookinfo-gateway.yaml:39) Referenced host not found: "productpage"',
    },
    {
      name: 'schema error with its field path',
      p: problem(Messages.SchemaValidationError, ['spec.http[0].route[0].weight: Invalid value: "x": must be of type integer'], {
        resource: { kind: 'VirtualService', namespace: 'default', name: 'reviews' },
        path: ['spec', 'http', 0, 'route', 0, 'weight'],
      }),
      want: 'Error [IST0106] (VirtualService default/reviews) Schema validation error: spec.http[0].route[0].weight: Invalid value: "x": must be of type integer',
    },
    {
      name: 'cluster-scoped resource: no namespace',
      p: problem(Messages.NamespaceNotInjected, ['foo', 'foo'], { resource: { kind: 'Namespace', name: 'foo' } }),
      want: "Info [IST0102] (Namespace foo) The namespace is not enabled for Istio injection. Run 'kubectl label namespace foo istio-injection=enabled' to enable it, or 'kubectl label namespace foo istio-injection=disabled' to explicitly mark it as not needing injection.",
    },
    {
      name: 'no resource, no file',
      p: problem(Messages.YamlSyntaxError, ['bad indentation']),
      want: 'Error [TSM0001] YAML syntax error: bad indentation',
    },
    {
      name: 'list arguments print as Go slices',
      p: problem(Messages.VirtualServiceHostNotFoundInGateway, [['a.com', 'b.com'], 'default/vs', 'default/gw'], {
        resource: { kind: 'VirtualService', namespace: 'default', name: 'vs' },
      }),
      want: 'Warning [IST0132] (VirtualService default/vs) one or more host [a.com b.com] defined in VirtualService default/vs not found in Gateway default/gw.',
    },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(formatProblem(c.p), c.want));
  }

  test('the problem keeps code, severity, path and position as data', () => {
    const p = problem(Messages.SchemaValidationError, ['x'], {
      resource: { kind: 'VirtualService', namespace: 'default', name: 'reviews' },
      path: ['spec', 'http', 0],
      file: 'vs.yaml',
      line: 12,
      col: 3,
    });
    assert.deepEqual(p, {
      code: 'IST0106',
      severity: 'Error',
      message: 'Schema validation error: x',
      resource: { kind: 'VirtualService', namespace: 'default', name: 'reviews' },
      path: 'spec.http[0]',
      file: 'vs.yaml',
      line: 12,
      col: 3,
    });
  });
});

describe('messages', () => {
  test('codes are unique and levels are Istio levels', () => {
    const codes = Object.values(Messages).map((m) => m.code);
    assert.equal(new Set(codes).size, codes.length);
    for (const [key, m] of Object.entries(Messages)) {
      assert.equal(m.name, key);
      assert.match(m.code, /^(IST|TSM)\d{4}$/);
    }
  });

  test('templates use Go verbs', () => {
    assert.equal(renderTemplate('%s %q %d %v %t 100%%', ['a', 'b"c', 3, ['x', 'y'], true]), 'a "b\\"c" 3 [x y] true 100%');
  });

  test('problems sort by file, line, column; errors are detected', () => {
    const at = (file: string, line: number, type = Messages.SchemaWarning): Problem => problem(type, ['x'], { file, line });
    const sorted = [at('b.yaml', 1), at('a.yaml', 9), at('a.yaml', 2, Messages.SchemaValidationError)].sort(compareProblems);
    assert.deepEqual(sorted.map((p) => `${p.file}:${p.line}`), ['a.yaml:2', 'a.yaml:9', 'b.yaml:1']);
    assert.equal(hasErrors(sorted), true);
    assert.equal(hasErrors([at('a.yaml', 1)]), false);
    assert.equal(formatProblems([at('a.yaml', 1)]), 'Warning [IST0133] (a.yaml:1) Schema validation warning: x\n');
  });
});
