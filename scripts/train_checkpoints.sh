#!/usr/bin/env bash
# Reproduce every shipped checkpoint (CPU, 2 cores: about 20 minutes). Resumable: rerun after an
# interruption and each model continues from its last finished epoch (state in runs/).
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GENLAB:-.venv/bin/genlab}
$G train classifier --id digit-classifier --title "genlab digit classifier" --epochs 20 --lr 1e-3
$G train vae --id vae-mnist --title "VAE (latent 16)" --latent-dim 16 --beta 1 --epochs 40
$G train vae --id cvae-mnist --title "Class-conditional VAE (beta = 4)" --latent-dim 16 --beta 4 --conditional --epochs 30 --note "beta = 4 on purpose: with beta = 1 the latent also encodes the class (it costs only ~2.3 nats of KL), so prior draws overrule the label (59% conditional accuracy at T = 1); beta = 4 pushes class information out of z into the label (96.6% in a 20-epoch trial)."
$G train vae --id vae2d-mnist --title "VAE with a 2-D latent plane" --latent-dim 2 --beta 1 --epochs 40
$G train vae --id betavae-mnist --title "beta-VAE (beta = 4)" --latent-dim 16 --beta 4 --epochs 40
for id in vae-mnist cvae-mnist vae2d-mnist betavae-mnist; do $G evaluate "$id" --n 1000 || echo "evaluate $id failed"; done
# GANs (issue 4): ~10-30 minutes each on 2 cores
$G train gan --id dcgan-mnist --title "DCGAN (non-saturating loss)" --loss nonsaturating --label-smoothing 0.1 --epochs 30 --batch-size 64 --lr 2e-4 --latent-dim 64 --film-every 2
$G train gan --id cgan-mnist --title "Class-conditional GAN (projection D)" --conditional --loss nonsaturating --label-smoothing 0.1 --epochs 30 --batch-size 64 --lr 2e-4 --latent-dim 64 --film-every 2
$G train gan --id wgan-gp-mnist --title "WGAN-GP" --loss wgan-gp --epochs 10 --batch-size 64 --lr 1e-4 --latent-dim 64 --film-every 1
$G train gan --id gan-collapsed-mnist --title "Collapsed GAN (mode collapse, provoked)" --init-from dcgan-mnist --loss minimax --g-steps 10 --lr 1e-3 --latent-dim 64 --epochs 1 --batch-size 64 --film-every 1 --note "Provoked on purpose: starting from the healthy dcgan-mnist, the generator takes 10 steps with the saturating minimax loss at a 5x learning rate for every discriminator step, so it chases whatever D currently rates most real and collapses onto one image."
for id in dcgan-mnist cgan-mnist wgan-gp-mnist gan-collapsed-mnist; do $G evaluate "$id" --n 1000; done
# Diffusion (issue 3): hours on 2 CPU cores; resumable, so rerun to continue from runs/.
$G train diffusion --id ddpm-mnist --title "DDPM, class-conditional with CFG" --conditional --epochs 60 --lr 5e-4 --grad-clip 1.0
$G evaluate ddpm-mnist --n 1000 --curves
