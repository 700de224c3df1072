/**
 * The keys. None with Ctrl, Cmd or Alt, none before the report is ready, and in a text field only Esc.
 *   List:   ↓ / j next, ↑ / k previous, Home / End first / last, Enter (in the list) opens the detail,
 *           / goes to the search field, Esc there comes back to the list.
 *   Detail: Esc back to the list, 0 side by side, 1 reference, 2 test, 3 diff, s the slider (again: side by side),
 *           ↓ / j next, ↑ / k previous.
 */
import { MODES } from './detail';
import { focusList, visible } from './list';
import { closeDetail, move, openDetail, setMode } from './page';
import { state, view } from './state';

export function listenToKeys(): void {
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || view.kind !== 'ready') return;
    const target = e.target as Element | null;
    const inField = !!target?.closest('vscode-textfield, input, textarea');
    if (inField && e.key !== 'Escape') return;
    const key = e.key;
    if (!state.detail) {
      if (key === 'ArrowDown' || key === 'j') move(1);
      else if (key === 'ArrowUp' || key === 'k') move(-1);
      else if (key === 'Home') move(-visible.length);
      else if (key === 'End') move(visible.length);
      else if (key === 'Enter' && target?.closest('[role="listbox"]')) openDetail();
      else if (key === '/') document.querySelector<HTMLElement>('vscode-textfield')?.focus();
      else if (key === 'Escape' && inField) focusList();
      else return;
    } else {
      const m = MODES.find((x) => x.key === key);
      if (key === 'Escape') closeDetail();
      // s toggles the slider (back to side by side)
      else if (m) setMode(m.mode === 'slider' && state.mode === 'slider' ? 'side-by-side' : m.mode);
      else if (key === 'ArrowDown' || key === 'j') move(1);
      else if (key === 'ArrowUp' || key === 'k') move(-1);
      else return;
    }
    e.preventDefault();
  });
}
