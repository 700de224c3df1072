import * as vscode from 'vscode';
import type { Services } from '../services';
import { FILTER_LABELS, type SiteFilter } from '../treeViews/filter';
import { registerCommand } from './command';

const FILTERS = Object.keys(FILTER_LABELS) as SiteFilter[];

/** `planet4.filter`: all / needs attention / running / failed (view title). */
export function registerFilter(services: Services, onChange: () => void): vscode.Disposable[] {
  return [
    registerCommand(services, 'planet4.filter', async (arg) => {
      let filter: SiteFilter | undefined;
      const given =
        typeof arg === 'string'
          ? arg
          : typeof arg === 'object' && arg !== null && 'filter' in arg
            ? String(arg.filter)
            : undefined;
      if (given !== undefined) {
        if (!FILTERS.includes(given as SiteFilter))
          throw new Error(vscode.l10n.t('Unknown filter "{0}": use {1}.', given, FILTERS.join(', ')));
        filter = given as SiteFilter;
      } else {
        const pick = await vscode.window.showQuickPick(
          FILTERS.map((f) => ({
            label: FILTER_LABELS[f](),
            filter: f,
            picked: f === services.tree.filter,
            description: f === services.tree.filter ? vscode.l10n.t('current') : undefined,
          })),
          { title: vscode.l10n.t('Show sites') },
        );
        filter = pick?.filter;
      }
      if (!filter) return undefined;
      services.tree.setFilter(filter);
      void vscode.commands.executeCommand('setContext', 'planet4.filtered', filter !== 'all');
      onChange();
      return { filter };
    }),
  ];
}
