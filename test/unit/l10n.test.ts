// The localization mechanism cannot drift: l10n/bundle.l10n.json holds exactly the vscode.l10n.t messages of src,
// every {n} of a message has its argument, the shell's user-facing strings go through vscode.l10n.t, and the %keys%
// of package.json are exactly those of package.nls.json. Regenerate the bundle with `npm run l10n:export`.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TS from 'typescript';

// Loaded at run time (not bundled into the test by esbuild): the compiler's own parser.
const ts = createRequire(__filename)('typescript') as typeof TS;

const root = path.resolve(__dirname, '../../..');
const rel = (file: string): string => path.relative(root, file).split(path.sep).join('/');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function parse(file: string): TS.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

function walk(node: TS.Node, visit: (n: TS.Node) => void): void {
  visit(node);
  node.forEachChild((c) => {
    walk(c, visit);
  });
}

const where = (n: TS.Node): string => {
  const sf = n.getSourceFile();
  return `${rel(sf.fileName)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
};

/** `vscode.l10n.t(…)` or `l10n.t(…)`. */
function isL10nCall(n: TS.Node): n is TS.CallExpression {
  if (!ts.isCallExpression(n) || !ts.isPropertyAccessExpression(n.expression)) return false;
  const callee = n.expression;
  if (callee.name.text !== 't') return false;
  const target = callee.expression;
  return (
    (ts.isIdentifier(target) && target.text === 'l10n') ||
    (ts.isPropertyAccessExpression(target) && target.name.text === 'l10n')
  );
}

interface Call {
  message: string | undefined;
  args: number;
  at: string;
}

/** Every vscode.l10n.t call of the files: its message (undefined when not a literal) and argument count. */
function l10nCalls(files: string[]): Call[] {
  const calls: Call[] = [];
  for (const f of files) {
    walk(parse(f), (n) => {
      if (!isL10nCall(n)) return;
      const first = n.arguments[0];
      const literal = first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first));
      calls.push({ message: literal ? first.text : undefined, args: n.arguments.length - 1, at: where(n) });
    });
  }
  return calls;
}

const srcFiles = tsFiles(path.join(root, 'src'));

/** The VS Code shell: what the "every user-facing string" covers (not the core, sandbox or webview app). */
const shellFiles = srcFiles.filter((f) => {
  const r = rel(f);
  return (
    /^src\/[^/]+\.ts$/.test(r) ||
    /^src\/(commands|treeViews|auth|store)\//.test(r) ||
    /^src\/webviews\/report\/panels?\.ts$/.test(r)
  );
});

/** Words in a literal, codicons (`$(rocket)`) aside. */
const hasWords = (text: string): boolean => /[A-Za-z]{2,}/.test(text.replace(/\$\([a-z-~]+\)/g, ''));

/** A string literal or template with words in it (not through vscode.l10n.t), within an expression. */
function rawText(e: TS.Expression): TS.Node[] {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return hasWords(e.text) ? [e] : [];
  if (ts.isTemplateExpression(e)) {
    const text = [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(' ');
    return hasWords(text) ? [e] : [];
  }
  if (ts.isParenthesizedExpression(e)) return rawText(e.expression);
  if (ts.isConditionalExpression(e)) return [...rawText(e.whenTrue), ...rawText(e.whenFalse)];
  if (ts.isBinaryExpression(e)) return [...rawText(e.left), ...rawText(e.right)];
  if (ts.isArrowFunction(e) && !ts.isBlock(e.body)) return rawText(e.body);
  if (ts.isArrayLiteralExpression(e)) return e.elements.flatMap((x) => rawText(x));
  return [];
}

/** Properties and fields that VS Code shows to the user (QuickPick, InputBox, progress, tree items, status bar…). */
const SHOWN = new Set([
  'title',
  'prompt',
  'placeHolder',
  'tooltip',
  'description',
  'detail',
  'label',
  'message',
  'text',
  'name',
  'inFlight',
  'progress',
  'announce',
  'actions',
]);
const SHOWN_CALLS = new Set(['showErrorMessage', 'showWarningMessage', 'showInformationMessage', 'confirm']);

/** User-facing strings of the shell that do not go through vscode.l10n.t: `file:line text`. */
function untranslated(files: string[]): string[] {
  const found: TS.Node[] = [];
  for (const f of files) {
    walk(parse(f), (n) => {
      if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && SHOWN.has(n.name.text))
        found.push(...rawText(n.initializer));
      else if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        ts.isPropertyAccessExpression(n.left) &&
        SHOWN.has(n.left.name.text)
      )
        found.push(...rawText(n.right));
      else if (ts.isCallExpression(n)) {
        const callee = n.expression;
        const name = ts.isPropertyAccessExpression(callee)
          ? callee.name.text
          : ts.isIdentifier(callee)
            ? callee.text
            : '';
        if (SHOWN_CALLS.has(name)) found.push(...n.arguments.flatMap((a) => rawText(a)));
      } else if (ts.isNewExpression(n) && /Error$/.test(n.expression.getText()))
        // Error messages are shown (registerCommand); a service id such as 'circleci' has no space.
        found.push(...(n.arguments ?? []).flatMap((a) => rawText(a)).filter((x) => /\s/.test(x.getText())));
    });
  }
  return found.map((x) => `${where(x)} ${x.getText()}`);
}

describe('l10n: user-facing strings through vscode.l10n', () => {
  const bundlePath = path.join(root, 'l10n', 'bundle.l10n.json');
  const bundle = JSON.parse(fs.readFileSync(bundlePath, 'utf8')) as Record<string, string>;
  const calls = l10nCalls(srcFiles);

  it('package.json points VS Code at the l10n folder', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { l10n?: string };
    assert.equal(pkg.l10n, './l10n');
  });

  it('the shell uses vscode.l10n.t (and every message is a literal the bundle can hold)', () => {
    assert.ok(calls.length > 100, `only ${calls.length} vscode.l10n.t calls in src`);
    const notLiteral = calls.filter((c) => c.message === undefined).map((c) => c.at);
    assert.deepEqual(notLiteral, [], 'vscode.l10n.t with a message that is not a string literal');
  });

  it('every message of src is in l10n/bundle.l10n.json, and the bundle holds nothing else', () => {
    const messages = new Set(calls.flatMap((c) => (c.message === undefined ? [] : [c.message])));
    const missing = [...messages].filter((m) => !(m in bundle));
    const unused = Object.keys(bundle).filter((k) => !messages.has(k));
    assert.deepEqual(missing, [], 'messages missing from the bundle: run `npm run l10n:export`');
    assert.deepEqual(unused, [], 'bundle keys no vscode.l10n.t of src uses: run `npm run l10n:export`');
  });

  it('the bundle is English: each message translates to itself', () => {
    const different = Object.entries(bundle).filter(([k, v]) => k !== v);
    assert.deepEqual(different, []);
  });

  it('every {n} of a message has its argument, and every argument its {n}', () => {
    const wrong = calls.flatMap((c) => {
      if (c.message === undefined) return [];
      const used = new Set([...c.message.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])));
      const expected = new Set(Array.from({ length: c.args }, (_, i) => i));
      const same = used.size === expected.size && [...used].every((i) => expected.has(i));
      return same ? [] : [`${c.at} ${JSON.stringify(c.message)} with ${c.args} argument(s)`];
    });
    assert.deepEqual(wrong, []);
  });

  it('no user-facing string of the shell bypasses vscode.l10n.t', () => {
    assert.ok(shellFiles.length > 20, `only ${shellFiles.length} shell files found`);
    assert.deepEqual(untranslated(shellFiles), []);
  });

  it('the core, the sandbox and the webview app do not call vscode.l10n (they have no vscode)', () => {
    const outside = srcFiles.filter((f) => /^src\/(core|sandbox|webviews\/report\/app)\//.test(rel(f)));
    assert.deepEqual(
      l10nCalls(outside).map((c) => c.at),
      [],
    );
  });

  it('package.json uses exactly the keys of package.nls.json', () => {
    const pkgText = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const used = new Set<string>();
    const visit = (v: unknown): void => {
      if (typeof v === 'string') {
        const m = /^%([^%]+)%$/.exec(v);
        if (m?.[1] !== undefined) used.add(m[1]);
      } else if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') Object.values(v).forEach(visit);
    };
    visit(JSON.parse(pkgText));
    assert.ok(used.size > 10, `only ${used.size} %keys% in package.json`);
    assert.deepEqual(
      [...used].filter((k) => !(k in nls)),
      [],
      '%keys% of package.json missing from package.nls.json',
    );
    assert.deepEqual(
      Object.keys(nls).filter((k) => !used.has(k)),
      [],
      'package.nls.json keys package.json does not use',
    );
  });
});
