/** What VS Code's `WorkspaceConfiguration.inspect()` tells of a setting (the parts that matter here). */
export interface InspectedSetting<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

/**
 * The value of a setting only the user may set: the user's own (global) value, else the default, else `fallback`.
 * A workspace or folder value is never used, whatever scope the host applied.
 */
export function userOnlyValue<T>(inspected: InspectedSetting<T> | undefined, fallback: T): T {
  return inspected?.globalValue ?? inspected?.defaultValue ?? fallback;
}
