import type { Logger } from '../../util/logger';
import type { CircleCiClient } from './client';

/**
 * CircleCI user id → login (who approved a job, who rolled staging back), asked once per user (`GET /user/{id}`);
 * a login that cannot be read is remembered as unknown and the words then name nobody.
 */
export class UserLogins {
  private readonly users = new Map<string, string>();

  constructor(private readonly log: Logger) {}

  async login(circleci: CircleCiClient, id: string): Promise<string | undefined> {
    let login = this.users.get(id);
    if (login === undefined) {
      try {
        login = (await circleci.getUser(id)).login;
      } catch (e) {
        this.log.debug(`CircleCI user ${id}: ${e instanceof Error ? e.message : String(e)}`);
        login = '';
      }
      this.users.set(id, login);
    }
    return login || undefined;
  }
}
