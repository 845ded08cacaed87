/** The longest delay a Node timer honours (about 24.8 days); a larger one fires at once. */
export const MAX_TIMER_MS = 2_147_483_647;
