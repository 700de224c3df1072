// Smoke test: the extension runs in a real VS Code extension host (see test/host/run.mjs).
import * as assert from 'assert';
import * as vscode from 'vscode';

const EXTENSION_ID = 'greenpeace.planet4-pipelines';

describe('host: the extension in a real VS Code', () => {
  it('is installed and activates', async () => {
    const ext = vscode.extensions.getExtension<{ version: string }>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    const api = await ext.activate();
    assert.ok(ext.isActive, 'extension is not active after activate()');
    const pkg = ext.packageJSON as { version: string };
    assert.strictEqual(api.version, pkg.version);
  });

  it('runs in VS Code 1.139', () => {
    assert.match(vscode.version, /^1\.139\./);
    console.log(
      `host: vscode ${vscode.version}, ${vscode.env.appName}, uiKind ${vscode.env.uiKind}, remote ${vscode.env.remoteName ?? '-'}, node ${process.version}`,
    );
  });

  it('opened a workspace folder', () => {
    assert.strictEqual(vscode.workspace.workspaceFolders?.length, 1);
  });

  it('can focus the planet4.pipelines view', async () => {
    // the command exists only if package.json contributes the view; it throws otherwise
    await vscode.commands.executeCommand('planet4.pipelines.focus');
  });

  it('fails on purpose only when PLANET4_TEST_FAIL_ON_PURPOSE=1', () => {
    assert.notStrictEqual(
      process.env.PLANET4_TEST_FAIL_ON_PURPOSE,
      '1',
      'PLANET4_TEST_FAIL_ON_PURPOSE=1 asked this test to fail (proves a failing integration test fails npm test)',
    );
  });
});
