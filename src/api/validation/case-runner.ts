/**
 * Table-driven tests for the semantic validators: YAML in, problems out. Each case names the
 * problems it expects by code, field path, a fragment of the message and the line; a case that
 * expects none asserts the resource is valid. Used by the *.test.ts files of this folder only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProblem, type Problem } from '../problems/problem.js';
import { resourceRef } from '../resource/resource.js';
import { loadYaml } from '../yaml/load-yaml.js';
import { validateSemantics } from './validate-semantics.js';

export interface WantProblem {
  readonly code: string;
  readonly path: string;
  /** A fragment of the message (the whole text after "Schema validation error: " is fine too). */
  readonly message: string;
  readonly line: number;
}

export interface Case {
  readonly name: string;
  /** The spec, indented by two spaces, placed under `spec:` of a resource of the runner's kind. */
  readonly spec: string;
  readonly want: readonly WantProblem[];
  /** Extra metadata lines (indented by two spaces), placed after `namespace:`. */
  readonly metadata?: string;
}

/** Lines before the spec's first line: apiVersion, kind, metadata, name, namespace, spec. */
export const HEADER_LINES = 6;

export function documentOf(apiVersion: string, kind: string, c: Pick<Case, 'spec' | 'metadata'>): string {
  const meta = c.metadata === undefined ? '' : `${c.metadata.replace(/\n$/, '')}\n`;
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: test\n  namespace: default\n${meta}spec:\n${c.spec.replace(/^\n/, '')}`;
}

/** The semantic problems of the first resource in `text`. */
export function semanticProblems(text: string): Problem[] {
  const loaded = loadYaml(text, 'test.yaml');
  assert.deepEqual(loaded.problems, [], 'the test YAML loads');
  const item = loaded.resources[0];
  assert.ok(item !== undefined, 'the test YAML has a resource');
  return validateSemantics(item, resourceRef(item.resource));
}

export function assertProblems(problems: readonly Problem[], want: readonly WantProblem[]): void {
  const shown = problems.map(formatProblem).join('\n');
  assert.equal(problems.length, want.length, `expected ${want.length} problem(s), got:\n${shown}`);
  want.forEach((w, i) => {
    const p = problems[i] as Problem;
    assert.equal(p.code, w.code, `problem ${i} code: ${formatProblem(p)}`);
    assert.equal(p.path, w.path, `problem ${i} path: ${formatProblem(p)}`);
    assert.ok(p.message.includes(w.message), `problem ${i} message ${JSON.stringify(p.message)} should contain ${JSON.stringify(w.message)}`);
    assert.equal(p.line, w.line, `problem ${i} line: ${formatProblem(p)}`);
  });
}

/** Registers one test per case. */
export function runCases(apiVersion: string, kind: string, cases: readonly Case[]): void {
  for (const c of cases) {
    test(c.name, () => assertProblems(semanticProblems(documentOf(apiVersion, kind, c)), c.want));
  }
}

/** Shorthands for wanted problems. */
export const err = (path: string, message: string, line: number): WantProblem => ({ code: 'IST0106', path, message, line });
export const warn = (path: string, message: string, line: number): WantProblem => ({ code: 'IST0133', path, message, line });
