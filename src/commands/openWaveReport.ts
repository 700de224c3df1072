import * as vscode from 'vscode';
import type { Services } from '../services';
import { WaveReport, type WaveReportResult } from '../webviews/wave/panel';
import { registerCommand } from './command';

/**
 * `planet4.openWaveReport`: opens (or reveals) the wave report of the latest platform release (palette, the wave
 * row). Resolves to `{baseTag, sites, needPerson}`.
 */
export function registerOpenWaveReport(services: Services): { report: WaveReport; disposables: vscode.Disposable[] } {
  const report = new WaveReport({
    context: services.context,
    platform: services.platform,
    organization: () => services.organization(),
    log: services.log,
  });
  return {
    report,
    disposables: [
      new vscode.Disposable(() => {
        report.dispose();
      }),
      registerCommand(services, 'planet4.openWaveReport', (): Promise<WaveReportResult> =>
        Promise.resolve(report.open()),
      ),
    ],
  };
}
