#!/usr/bin/env bash
# Submits the sharded sweep and its merge: ./submit.sh [SHARDS] (default 16), run from the
# nrkit checkout (the sweep reads examples/configs/). Results in results/<array job id>/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
SHARDS=${1:-16}
here=examples/cluster/slurm
jid=$(sbatch --parsable --array="0-$((SHARDS - 1))" --export=ALL,SHARDS="$SHARDS" "$here/bler.sbatch")
jid=${jid%%;*}
sbatch --dependency=afterok:"$jid" --export=ALL,SHARDS="$SHARDS",OUT="results/$jid" "$here/merge.sbatch"
echo "array job $jid ($SHARDS shards); the merge runs when all succeed: results/$jid/"
