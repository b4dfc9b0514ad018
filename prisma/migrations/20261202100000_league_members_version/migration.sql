-- A scoreboard projection reads the league members who joined since the version Redis reflects
-- through this index, apart from those whose totals changed (through their totals' version index).
-- Read together with an OR, every projection scanned every membership of the tournament: 650 ms a
-- projection at 500,000 members, and projections of one tournament take turns.
CREATE INDEX "league_members_version_idx" ON "league_members"("version");
