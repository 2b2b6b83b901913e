#!/usr/bin/env bash
# Reproduce every shipped checkpoint: the commands that made each one, in order (CPU, 2 cores: many hours, most of
# them diffusion and the GANs). Resumable: rerun after an interruption and each run continues from its last finished
# epoch (its state is in runs/, or in the --runs folder it names).
# A checkpoint trained in several runs goes on from its own weights (--init-from its id), each run in its own --runs
# folder; with --whole-history its card keeps every earlier run's curves, film and previous_runs (the pages show
# every run); without it genlab train writes a fresh card, so `continued` puts the earlier runs back under
# training.previous_runs. Replaying the same weights bit for bit also needs the code each run was made with
# (the cards' code_version).
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GENLAB:-.venv/bin/genlab}
PY=${PYTHON:-.venv/bin/python}

# runs_of ID: the runs its card records (its earlier runs, then its own), as JSON.
runs_of() {
  "$PY" -c 'import json, sys
t = json.load(open(f"checkpoints/{sys.argv[1]}.json"))["training"]
print(json.dumps(t.get("previous_runs", []) + [{k: t[k] for k in ("epochs", "lr", "steps", "seconds")}]))' "$1"
}

# keep_runs ID RUNS: write RUNS (from runs_of) into the card that the next run wrote, as training.previous_runs.
keep_runs() {
  "$PY" -c 'import json, sys
from pathlib import Path
from models.checkpoint import read_card, write_card
card = read_card(Path(f"checkpoints/{sys.argv[1]}.json"))
card["training"]["previous_runs"] = json.loads(sys.argv[2])
write_card(Path("checkpoints"), card)' "$1" "$2"
}

# continued ID TRAIN-ARGS...: one more run of ID from its current weights.
continued() {
  local id=$1 before
  shift
  before=$(runs_of "$id")
  $G train "$@" --id "$id" --init-from "$id"
  keep_runs "$id" "$before"
}

# The yardstick first: evaluate measures every other model in its features.
$G train classifier --id digit-classifier --title "genlab digit classifier" --epochs 20 --lr 1e-3

# VAEs: one run each.
$G train vae --id vae-mnist --title "VAE (latent 16)" --latent-dim 16 --beta 1 --epochs 40
$G train vae --id cvae-mnist --title "Class-conditional VAE (beta = 4)" --latent-dim 16 --beta 4 --conditional --epochs 30 --note "beta = 4 on purpose: with beta = 1 the latent also encodes the class (it costs only ~2.3 nats of KL), so prior draws overrule the label (59% conditional accuracy at T = 1); beta = 4 pushes class information out of z into the label (96.6% in a 20-epoch trial)."
$G train vae --id vae2d-mnist --title "VAE with a 2-D latent plane" --latent-dim 2 --beta 1 --epochs 40
$G train vae --id betavae-mnist --title "beta-VAE (beta = 4)" --latent-dim 16 --beta 4 --epochs 40
for id in vae-mnist cvae-mnist vae2d-mnist betavae-mnist; do $G evaluate "$id" --n 1000 --write; done
# vae-mnist samples from an ex-post mixture (the card keeps the N(0, I) figures measured just above)
$G fit-prior vae-mnist --components 10
$G evaluate vae-mnist --n 1000 --write

# GANs (issue 4). Samples come from an EMA of G unless --ema-decay 0.
# dcgan-mnist, 12 runs in bf16 autocast (2x faster here; refused where bf16 is not faster: drop --precision bf16
# there), each with a fresh cosine learning rate from 2e-4: 60 epochs with one G step per D step, then 16 and ten times
# 8 with 5 G steps per D step (G was falling behind). --whole-history: the card's curves and the film cover all 12
# runs, from step 0 (issue 13). FD after each run (seed 0): 333, 343, 229, 166, 127, 103, 92.0, 88.2, 80.2, 76.5,
# 74.2, 66.8 (the earlier fp32 run of this recipe ended at 93.1).
DC=(gan --title "DCGAN (non-saturating loss)" --loss nonsaturating --label-smoothing 0.1 --batch-size 64 --lr 2e-4 --latent-dim 64 --no-d-batchnorm --precision bf16)
$G train "${DC[@]}" --id dcgan-mnist --runs runs/dcgan-r1 --epochs 60 --film-every 6
$G train "${DC[@]}" --id dcgan-mnist --init-from dcgan-mnist --whole-history --runs runs/dcgan-r2 --epochs 16 --film-every 4 --g-steps 5
for run in 3 4 5 6 7 8 9; do
  $G train "${DC[@]}" --id dcgan-mnist --init-from dcgan-mnist --whole-history --runs "runs/dcgan-r$run" --epochs 8 --film-every 4 --g-steps 5
done
# Collapse, provoked from dcgan-mnist after its 9th run (its raw G, not the EMA): with 20 G steps per D step at lr 5e-4
# G hops from one single-image mode to the next. From the finished dcgan-mnist (after run 12) the same recipe stayed
# healthy for the whole epoch; an earlier dcgan-mnist (fp32) collapsed with it too.
$G train gan --id gan-collapsed-mnist --title "Collapsed GAN (mode collapse, provoked)" --init-from dcgan-mnist --loss nonsaturating --g-steps 20 --lr 5e-4 --latent-dim 64 --epochs 1 --batch-size 64 --label-smoothing 0.1 --no-d-batchnorm --ema-decay 0 --film-every 1 --film-every-steps 10 --log-every 1 --runs runs/collapse --note "Provoked on purpose: starting from the healthy dcgan-mnist after its 9th of 12 runs (FD 80.2), the generator takes 20 steps at 2.5x dcgan-mnist's learning rate for every discriminator step. Between two D updates G piles all of its samples onto the single image D currently rates most real; when D catches up and rejects it, G moves every z to another. The film (a frame every 10 rounds) shows the hops: from healthy digits to blobs and strokes, then one rough digit-like mode after another (by eye a 1, a 5, a 7, then 4s). From the finished dcgan-mnist the same recipe stays healthy for its whole epoch: the stronger G no longer jumps."
for run in 10 11; do
  $G train "${DC[@]}" --id dcgan-mnist --init-from dcgan-mnist --whole-history --runs "runs/dcgan-r$run" --epochs 8 --film-every 4 --g-steps 5
done
$G train "${DC[@]}" --id dcgan-mnist --init-from dcgan-mnist --whole-history --runs runs/dcgan-r12 --epochs 8 --film-every 4 --g-steps 5 --note "Trained in 12 runs, each from the previous one's weights with a fresh cosine learning rate from 2e-4, in bf16 autocast: 60 epochs with one G step per D step, then 16 epochs and 10 runs of 8 epochs with 5 G steps per D step. Why: without batch norm D judges each image alone, and the extra G steps let the generator catch up with D. FD after each run (seed 0): 333, 343, 229, 166, 127, 103, 92.0, 88.2, 80.2, 76.5, 74.2, 66.8. The history and film cover every run, from step 0; the second run's fresh Adam state and 5:1 step ratio throw G back to noise for a few epochs before it recovers (visible in the film)."

$G train gan --id cgan-mnist --title "Class-conditional GAN (projection D)" --conditional --loss nonsaturating --label-smoothing 0.1 --epochs 60 --batch-size 64 --lr 2e-4 --latent-dim 64 --film-every 6

# wgan-gp-mnist, 11 runs in bf16 autocast (1.7x faster per step here; drop --precision bf16 where it is refused), each
# from the previous one's weights with a fresh cosine learning rate: 10 epochs from scratch at Gulrajani et al.'s 5
# critic steps per G step (lr 1e-4, no EMA); then with an EMA of G at lr 2e-4 one run of 27 epochs, stopped at 15 and
# resumed to 27 (the second command: the cosine is then taken over 27 epochs, so the learning rate climbs back at
# epoch 16); then, as G was the player falling behind, at lr 1e-4: 6 epochs at one critic step per G step, 6 at 3 G
# steps per critic step and 7 x 8 at 5. --whole-history: the card's curves and the film cover all 11 runs, from step 0
# (issue 13). FD after each run (seed 0): 809, 319 (after both commands of run 2), 294, 222, 158, 115,
# 99.3, 86.6, 78.4, 72.4, 68.8 (the earlier fp32 recipe of 7 runs ended at 89.1).
WG=(gan --title WGAN-GP --loss wgan-gp --batch-size 64 --latent-dim 64 --film-every 2 --precision bf16)
WC=(--id wgan-gp-mnist --init-from wgan-gp-mnist --whole-history)
$G train "${WG[@]}" --id wgan-gp-mnist --runs runs/wgan-r1 --epochs 10 --lr 1e-4 --ema-decay 0
$G train "${WG[@]}" "${WC[@]}" --runs runs/wgan-r2 --epochs 15 --lr 2e-4
$G train "${WG[@]}" "${WC[@]}" --runs runs/wgan-r2 --epochs 27 --lr 2e-4
$G train "${WG[@]}" "${WC[@]}" --runs runs/wgan-r3 --lr 1e-4 --n-critic 1 --epochs 6
$G train "${WG[@]}" "${WC[@]}" --runs runs/wgan-r4 --lr 1e-4 --n-critic 1 --epochs 6 --g-steps 3
for run in 5 6 7 8 9 10; do
  $G train "${WG[@]}" "${WC[@]}" --runs "runs/wgan-r$run" --lr 1e-4 --n-critic 1 --epochs 8 --g-steps 5
done
$G train "${WG[@]}" "${WC[@]}" --runs runs/wgan-r11 --lr 1e-4 --n-critic 1 --epochs 8 --g-steps 5 --note "Trained in 11 runs, each from the previous one's weights with a fresh cosine learning rate, in bf16 autocast: 10 epochs from scratch (5 critic steps per G step, lr 1e-4, no EMA); 27 with an EMA of G (lr 2e-4; stopped at epoch 15 and resumed on a 27-epoch plan, so its learning rate climbs back at epoch 16); then, because G was the player falling behind, 6 epochs with one critic step per G step, 6 with 3 G steps per critic step, and 7 runs of 8 epochs with 5 (lr 1e-4). FD after each run (seed 0): 809, 319, 294, 222, 158, 115, 99.3, 86.6, 78.4, 72.4, 68.8. The loss and gradient penalty are WGAN-GP's; the step ratio departs from Gulrajani et al.'s 5 critic steps per G step. The history and film cover every run, from step 0."

for id in dcgan-mnist cgan-mnist wgan-gp-mnist gan-collapsed-mnist; do $G evaluate "$id" --n 1000 --write; done

# Diffusion (issue 3). ddpm-mnist, 2 runs: 60 epochs from scratch at lr 5e-4, whose final training state is committed
# (runs/ddpm-mnist.state.safetensors, so the first command replays it at once); then 64 more epochs from those weights
# and EMA with a fresh cosine from lr 2e-4. Unguided and w = 0.5 samples got much better (FD at w = 0.5, n = 1000:
# 30.1), w = 1 worse (74.0 -> 86.7): the model sharpened, so guidance over-sharpens sooner. It therefore samples with
# w = 0.5 by default, the smallest w on its guidance curve clearing 97 % accuracy.
DD=(diffusion --title "DDPM, class-conditional with CFG" --conditional --grad-clip 1.0)
$G train "${DD[@]}" --id ddpm-mnist --epochs 60 --lr 5e-4
continued ddpm-mnist "${DD[@]}" --runs runs/ddpm-ft --epochs 64 --lr 2e-4 --sample-guidance 0.5 --note "Trained in two runs: 60 epochs from scratch (lr 5e-4, cosine to 0; its state is runs/ddpm-mnist.state.safetensors), then 64 more epochs from those weights and EMA with a fresh cosine from lr 2e-4 (the history below is that second run; the first run's figures were FD 74.0 at n = 1000 and held-out MSE 0.0237). The default guidance w = 0.5 was chosen from the guidance curve below: it is the smallest w measured whose guided accuracy clears 97 %, and with this longer training w = 1 over-sharpens (FD 86.7 at n = 1000)."
$G evaluate ddpm-mnist --n 1000 --curves --write

# Exact likelihood (issue 14), each trained on one core beside the other. Their plans changed half-way (to end within
# a working session): a command with --stop-after-epoch stops after an epoch of one plan, the next re-plans the cosine
# schedule and goes on from that state (pixelcnn-mnist's final state is committed: runs/pixelcnn-12/, to train on).
FL=(flow --title "Normalizing flow (RealNVP/Glow)" --batch-size 64 --lr 1e-3 --grad-clip 50 --coupling-hidden 160 --steps-per-level 8 --runs runs/flow)
$G train "${FL[@]}" --id flow-mnist --epochs 70 --stop-after-epoch 15
$G train "${FL[@]}" --id flow-mnist --epochs 55 --note "Trained 15 epochs of a 70-epoch cosine plan, then re-planned to 55 epochs and resumed."
# pixelcnn-mnist trains in bf16 autocast (weights and log-probs stay fp32): 1.6x faster here (AVX512-BF16, measured by
# the command itself, which refuses bf16 where it would not be faster: drop --precision bf16 there).
PX=(pixelcnn --title "Gated PixelCNN (class-conditional)" --conditional --width 64 --layers 8 --batch-size 64 --lr 1e-3 --grad-clip 100 --precision bf16 --runs runs/pixelcnn)
$G train "${PX[@]}" --id pixelcnn-mnist --epochs 40 --stop-after-epoch 11
$G train "${PX[@]}" --id pixelcnn-mnist --epochs 32
# ... and from that finished state, 16 more epochs: the plan stretched to 48 re-warms the learning rate to 2.5e-4 at epoch 33
$G train "${PX[@]}" --id pixelcnn-mnist --epochs 48 --note "Trained 11 epochs of a 40-epoch cosine plan, re-planned to 32 epochs and resumed to its end, then re-planned to 48 epochs (the learning rate re-warmed to 2.5e-4) and resumed; two threads, bf16 autocast."
# ... then grown to 12 layers: --init-from a shallower PixelCNN appends layers that start as the identity (the grown
# network begins with the 8-layer one's likelihood exactly), and 16 epochs train them with the rest. Its own runs
# folder: the 8-layer state in runs/pixelcnn would otherwise be resumed.
$G train pixelcnn --title "Gated PixelCNN (class-conditional)" --conditional --width 64 --layers 12 --batch-size 64 --lr 3e-4 --grad-clip 100 --precision bf16 --init-from pixelcnn-mnist --whole-history --id pixelcnn-mnist --epochs 16 --runs runs/pixelcnn-12 --note "The 8-layer network of 48 epochs (above), grown to 12 layers (4 added layers that start as the identity) and trained 16 more epochs from lr 3e-4; two threads, bf16 autocast."
for id in flow-mnist pixelcnn-mnist; do $G evaluate "$id" --n 1000 --write; done

# Latent diffusion (issue 16): the autoencoder's 15 epochs, then the DDPM over its latent, first planned for 40
# epochs and continued by the same command re-planned to 100; then 150 more epochs from those weights (a second run,
# bf16 autocast: refused where bf16 is not faster, drop --precision bf16 there), which took FD at w = 0.5 from 91 to 37.
LD=(latent-diffusion --id latent-ddpm-mnist --title "Latent DDPM (4x7x7 latent)" --ae-epochs 15 --conditional --sample-guidance 1.0)
$G train "${LD[@]}" --epochs 40
$G train "${LD[@]}" --epochs 100
$G train latent-diffusion --id latent-ddpm-mnist --title "Latent DDPM (4x7x7 latent)" --conditional --sample-guidance 0.5 --init-from latent-ddpm-mnist --whole-history --runs runs/latent-ft --epochs 150 --lr 5e-4 --precision bf16 --note "Trained in two runs: 100 epochs from scratch at lr 1e-3 (planned for 40, then continued by the same command re-planned to 100; the autoencoder's 15 epochs ran once), then 150 more epochs from those weights at lr 5e-4 in bf16 autocast (--whole-history: the curves cover both runs). Sampled with w = 0.5 by default: the lowest FD of the guidance sweep at n = 1000 (w = 0.3: 40.9, 0.5: 36.6, 0.75: 57.9, 1: 97.0; asked-class accuracy 0.889, 0.932, 0.963, 0.979)."
# Discrete latents: the VQ-VAE (20 epochs), then the Transformer prior over its tokens, planned for 30 epochs and
# continued by the same command re-planned to 50.
VQ=(vqvae --id vqvae-mnist --title "VQ-VAE + Transformer prior (7x7 tokens)" --ae-epochs 20 --conditional --grad-clip 1.0 --lr 0.0005)
$G train "${VQ[@]}" --epochs 30
$G train "${VQ[@]}" --epochs 50
for id in latent-ddpm-mnist vqvae-mnist; do $G evaluate "$id" --n 1000 --write; done

# Scores and energies of the 2-D toys: about half a minute each on one thread; their cards are measured as they are written.
for toy in 8gaussians moons spiral 25gaussians checkerboard rings; do
  $G train score2d --kind ncsn --toy "$toy" --steps 10000 --id "score-$toy" --title "NCSN $toy"
done
$G train score2d --kind ebm --toy 8gaussians --steps 3000 --id ebm-8gaussians --title "EBM 8gaussians"
