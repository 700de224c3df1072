// Issue 12.5 in the real VS Code host: a site whose newest tag is suffixed (`v1.2.3-x`, which CircleCI builds and
// deploys like a release, and the bot sorts above `v1.2.3`) says so on its next-release row.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Planet4Api } from '../../src/extension';
import type { Sandbox } from '../../src/sandbox';
import { sandbox, spareSites, waitFor } from './support';

describe('tree: a suffixed newest tag (issue 12.5)', function () {
  this.timeout(120_000);
  let api: Planet4Api;
  let sb: Sandbox;
  let take: () => string;

  before(async () => {
    ({ api, sb } = await sandbox({ scenario: 'green' }));
    take = spareSites(api, sb);
  });
  after(async () => {
    await api.stopSandbox();
  });

  const nextItem = (site: string): vscode.TreeItem => {
    const node = api.pipelines
      .getChildren(api.pipelines.nodeFor(site))
      .find((n) => n.kind === 'detail' && n.detail === 'next');
    assert.ok(node, `${site} has a next-release row`);
    return api.pipelines.getTreeItem(node);
  };
  const labelOf = (item: vscode.TreeItem): string =>
    typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  /** The tooltip's text without its Markdown escapes. */
  const tooltipOf = (item: vscode.TreeItem): string => {
    assert.ok(item.tooltip instanceof vscode.MarkdownString, 'the tooltip is Markdown');
    return item.tooltip.value.replace(/\\(.)/g, '$1');
  };

  it('the next-release row names the suffixed tag: label, tooltip, icon and contextValue', async () => {
    const site = take();
    const before = api.fleet.get(site)?.next;
    const release = before?.latestTag;
    assert.ok(release && /^v\d+(\.\d+)*$/.test(release), `${site}'s newest tag is a plain release: ${release}`);
    assert.strictEqual(before.latestSuffixed, undefined);
    const plain = nextItem(site);
    assert.match(String(plain.contextValue), /;suffixed=no;/, 'the control: a plain newest tag');
    assert.doesNotMatch(labelOf(plain), /suffixed/);
    assert.doesNotMatch(tooltipOf(plain), /suffixed/);

    // A developer tags main's HEAD with a suffix (CircleCI builds it like a release), then commits on top.
    const suffixed = `${release}-x`;
    sb.pushTag(site, suffixed);
    const change = sb.pushCommit(site, 'Update the footer');
    await vscode.commands.executeCommand('planet4.refreshSite', { site });
    await waitFor(`${site} reads the new HEAD`, () => api.fleet.get(site)?.next?.headSha === change);

    const s = api.fleet.get(site);
    const n = s?.next;
    assert.strictEqual(n?.latestTag, suffixed, 'the bot sorts the suffixed tag above its number');
    assert.strictEqual(n.latestRelease, release);
    assert.strictEqual(s?.pipeline?.tag, suffixed, 'CircleCI built the suffixed tag as a release pipeline');
    // the bot numbers the next tag from the suffixed tag's number: v1.2.3-x → v1.2.4
    const parts = release.slice(1).split('.').map(Number);
    parts[parts.length - 1] = (parts[parts.length - 1] ?? 0) + 1;
    const bumped = `v${parts.join('.')}`;
    assert.strictEqual(n.nextTag, bumped);

    const item = nextItem(site);
    assert.match(String(item.contextValue), /;suffixed=yes;/);
    assert.strictEqual(labelOf(item), `Next release ${bumped} (after suffixed tag ${suffixed})`);
    assert.strictEqual(item.description, `1 commit on main since ${suffixed}`);
    assert.ok(
      tooltipOf(item).includes(
        `The newest tag ${suffixed} is suffixed: CircleCI built it like a release, and the bot sorts it above ${release} and numbers the next tag from it.`,
      ),
      tooltipOf(item),
    );
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'tag');
  });
});
