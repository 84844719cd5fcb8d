/** DI token of the admin API's Announcer (NatsAnnouncer in the gateway; a fake in unit specs). */
export const ANNOUNCER = Symbol('ADMIN_ANNOUNCER');
