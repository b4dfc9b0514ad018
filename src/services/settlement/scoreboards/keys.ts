// Where the scoreboards live in Redis: a sorted set per tournament and per league, and the
// tournament's projected version (the PostgreSQL scoreboard_version its boards reflect).

export const tournamentBoardKey = (tournamentId: string) => `board:tournament:${tournamentId}`;
export const leagueBoardKey = (leagueId: string) => `board:league:${leagueId}`;
export const boardVersionKey = (tournamentId: string) => `board-version:${tournamentId}`;
