"""The server's routes, one APIRouter per area: `health` (health checks, info, metrics), `pages`
(`/v1/pages`) and `texts` (classify, sentiment, summarize). They share `ServerState`
(newsnlp.serve.state) through `app.state`."""
