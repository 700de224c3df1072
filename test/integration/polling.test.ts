import * as assert from 'assert';
import * as vscode from 'vscode';
import { api as extensionApi, waitFor } from './support';

describe('polling: how far, and while unfocused (issue 12.6, 12.7)', function () {
  this.timeout(120_000);

  it('says how many pipelines were read when the release is older than those, and keeps a slow watch while hidden', async () => {
    const api = await extensionApi();
    await vscode.workspace
      .getConfiguration('planet4')
      .update('confirmActions', false, vscode.ConfigurationTarget.Global);
    const sb = await api.startSandbox({ clock: 'manual', scenario: 'green' });
    const site = sb.sites[9] ?? '';
    for (let i = 0; i < 205; i++) sb.botTriggerBuild(site); // 205 develop pipelines: 10 pages of 20 hold none
    await vscode.commands.executeCommand('planet4.refresh');
    assert.strictEqual(api.fleet.get(site)?.state, 'no-release');
    const problem = api.pipelines
      .getChildren(api.pipelines.nodeFor(site))
      .find((n) => n.kind === 'detail' && n.detail === 'problem');
    assert.ok(problem);
    const item = api.pipelines.getTreeItem(problem);
    const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
    assert.match(label, /^No release pipeline in the newest 200 pipelines/);

    await vscode.commands.executeCommand('planet4.pipelines.focus');
    await waitFor('view visible', () => api.treeView.visible);
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('view hidden', () => !api.treeView.visible);
    assert.strictEqual(api.poller.pollingMode, 'background', 'a slow watch on live sites while the view is hidden');
  });
});
