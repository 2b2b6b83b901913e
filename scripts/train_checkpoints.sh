#!/usr/bin/env bash
# Reproduce every shipped checkpoint (CPU, 2 cores: about 20 minutes). Resumable: rerun after an
# interruption and each model continues from its last finished epoch (state in runs/).
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GENLAB:-.venv/bin/genlab}
$G train classifier --id digit-classifier --title "genlab digit classifier" --epochs 20 --lr 1e-3
$G train vae --id vae-mnist --title "VAE (latent 16)" --latent-dim 16 --beta 1 --epochs 40
$G train vae --id cvae-mnist --title "Class-conditional VAE" --latent-dim 16 --beta 1 --conditional --epochs 40
$G train vae --id vae2d-mnist --title "VAE with a 2-D latent plane" --latent-dim 2 --beta 1 --epochs 40
$G train vae --id betavae-mnist --title "beta-VAE (beta = 4)" --latent-dim 16 --beta 4 --epochs 40
for id in vae-mnist cvae-mnist vae2d-mnist betavae-mnist; do $G evaluate "$id" --n 1000 || echo "evaluate $id failed"; done
