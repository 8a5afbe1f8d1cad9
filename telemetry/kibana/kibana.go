// Package kibana ships Kibana saved objects for sluice's audit data
// stream: a data view, saved searches (enforced blocks, monitor-mode
// would-blocks, secrets findings, per-user activity) and a dashboard
// (decisions over time by outcome, would-block against blocked, top rules,
// users, agents, tools and finding categories).
//
// sluice.ndjson is what Kibana's saved objects import takes (Stack
// Management > Saved objects > Import, or POST /api/saved_objects/_import);
// docs/AUDIT.md shows both. The test checks that every line parses, every
// reference resolves, and every field the objects use is one the
// Elasticsearch mapping defines.
package kibana

import _ "embed"

// SavedObjects is the NDJSON to import into Kibana.
//
//go:embed sluice.ndjson
var SavedObjects []byte

// DataViewID is the id of the data view the other objects use.
const DataViewID = "sluice-decisions"
