// testcontainers defaults that need an image registry (as fixtures/lab/env.ts for the lab): Ryuk's
// image would be pulled to reap containers of a dying process, and finding the engine's gateway
// pulls alpine. The suite removes what it starts itself (scratch-mariadb.ts, in a finally), and
// labels it `hlc.scratch`. Imported before testcontainers; an operator's own setting wins.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "localhost";
