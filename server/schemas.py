"""Request bodies: every number bounded, NaN/inf refused, unknown fields refused (typos fail loudly),
and strict types: `true` is no number and "3" no integer in a JSON body."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from models.gan.inversion import PROJECT_RESTARTS, PROJECT_STEPS

Seed = Annotated[int, Field(ge=0, le=2**32 - 1, description="same seed, same pixels")]
Label = Annotated[int, Field(ge=0, le=9, description="digit class for conditional models")]
LatentValue = Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)]
Latent = Annotated[list[LatentValue], Field(min_length=1, max_length=512)]
Pixel = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Temperature = Annotated[float, Field(ge=0, le=3, allow_inf_nan=False)]
Format = Literal["json", "png"]
SamplerName = Literal["ddpm", "ddim", "sde", "ode", "langevin"]  # models.diffusion.sampling.SAMPLERS
# a 1 MB upload is ~1.37 M base64 characters; the rest of the request is small
DataUrl = Annotated[str, Field(min_length=30, max_length=1_400_000, pattern=r"^data:image/(png|jpeg|jpg);base64,",
                                description="PNG/JPEG data URL, any size, MNIST-preprocessed")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Pixels(Strict):
    pixels: Annotated[list[Pixel], Field(min_length=784, max_length=784)]


ImageInput = DataUrl | Pixels


class SampleRequest(Strict):
    n: int = Field(16, ge=1, le=64)
    seed: Seed | None = None
    label: Label | None = None
    temperature: Temperature = 1.0
    prior: Literal["fitted", "standard"] | None = Field(
        None, description="VAEs with the fitted_prior capability: draw z from the fitted mixture (their default) "
                          "or from N(0, I), the prior they were trained with")
    sampler: SamplerName | None = Field(
        None, description="diffusion models (the samplers capability): the reverse process, as in /trajectory "
                          "(default ddim with eta = 0)")
    steps: int | None = Field(None, ge=1, le=1000, description="diffusion models: reverse steps (default 50)")
    format: Format = "json"


class OneOf(Strict):
    """A choice spelled as optional fields, of which a request must give exactly one."""

    @model_validator(mode="after")
    def exactly_one(self):
        fields = list(type(self).model_fields)
        given = [k for k in fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(fields)} (got {given or 'none'})")
        return self


class Endpoint(OneOf):
    """One end of an interpolation: a prior draw by seed, an explicit latent, or an image to encode."""

    seed: Seed | None = None
    latent: Latent | None = None
    image: ImageInput | None = None


class InterpolateRequest(Strict):
    start: Endpoint
    end: Endpoint
    steps: int = Field(8, ge=2, le=64)
    method: Literal["lerp", "slerp"] = "slerp"
    label: Label | None = None
    format: Format = "json"


class TraverseRequest(Strict):
    seed: Seed | None = None
    latent: Latent | None = None
    dim: int = Field(0, ge=0, le=511)
    span: float = Field(3.0, ge=0, le=10, allow_inf_nan=False)
    steps: int = Field(9, ge=2, le=64)
    label: Label | None = None
    format: Format = "json"


class LatentMapRequest(Strict):
    grid: int = Field(16, ge=2, le=32)
    extent: float = Field(3.0, ge=0.5, le=10, allow_inf_nan=False)
    label: Label | None = None
    format: Format = "json"


class ImageRequest(Strict):
    image: ImageInput
    label: Label | None = None
    seed: Seed | None = None
    format: Format = "json"


class LogProbRequest(ImageRequest):
    exact: bool = Field(False, description="the exact likelihood where the model's own is a bound: a diffusion model's "
                                           "by its probability-flow ODE (capability exact_log_prob); moot for models "
                                           "whose likelihood is exact already")


PROJECTION_SEED = 0  # /project's default seed, and the one /interpolate projects a GAN's image ends with


class ProjectRequest(Strict):
    """An image to place in a GAN's latent space by optimisation (models/gan/inversion.py)."""

    image: ImageInput
    label: Label | None = None
    seed: Seed = Field(PROJECTION_SEED, description="draws every restart's starting z; 0, the default, is also what /interpolate "
                                      "uses to project an image end")
    steps: int = Field(PROJECT_STEPS, ge=50, le=500, description="Adam steps on z, each a forward and a backward "
                                                                "pass of G per restart")
    restarts: int = Field(PROJECT_RESTARTS, ge=1, le=8, description="starts z ~ N(0, I) optimised side by side; the "
                                                                    "one that ends nearest the image is kept")


class DecodeRequest(Strict):
    latents: Annotated[list[Latent], Field(min_length=1, max_length=64)]
    labels: Annotated[list[Label], Field(min_length=1, max_length=64)] | None = None
    format: Format = "json"


class SamplerFields(Strict):
    """How to run the reverse process: the same fields for sample, trajectory, inpaint and invert."""

    sampler: SamplerName = Field(
        "ddim", description="ddpm, ddim, sde (reverse SDE, Euler-Maruyama), ode (probability-flow ODE, Heun: "
                            "2 x steps - 1 network evaluations) or langevin (annealed Langevin: steps = noise levels, "
                            "steps x steps_per_level + 1 evaluations)")
    steps: int = Field(50, ge=1, le=1000)
    eta: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description="DDIM only: 0 deterministic, 1 ~ DDPM")
    step_size: float = Field(1e-4, gt=0, le=1e-2, allow_inf_nan=False,
                             description="Langevin only: epsilon of the step a = epsilon sigma^2 / sigma_min^2")
    steps_per_level: int = Field(2, ge=1, le=10, description="Langevin only: Langevin steps at each noise level")
    sigma_max: float | None = Field(None, gt=0, le=1e4, allow_inf_nan=False,
                                    description="Langevin only: the first (noisiest) level's sigma; default the "
                                                "model's largest. Outside the model's levels: 422")
    sigma_min: float | None = Field(None, gt=0, le=1e4, allow_inf_nan=False,
                                    description="Langevin only: the last level's sigma, below sigma_max; default "
                                                "the model's smallest")
    final_denoise: bool = Field(True, description="Langevin only: end with one denoising step x + sigma_min^2 score "
                                                  "(one more network evaluation); without it the last level's noise stays")
    guidance: float = Field(3.0, ge=0, le=20, allow_inf_nan=False, description="classifier-free guidance w")
    label: Label | None = None
    seed: Seed | None = None


MAX_FRAMES = 200


class TrajectoryRequest(SamplerFields):
    n: int = Field(8, ge=1, le=64)
    every: int | None = Field(None, ge=1, le=1000, description="keep every k-th step (default: <= 100 frames)")

    @model_validator(mode="after")
    def frames_bounded(self):
        if self.every is not None and -(-self.steps // self.every) > MAX_FRAMES:
            raise ValueError(f"steps / every keeps more than {MAX_FRAMES} frames; raise 'every'")
        return self

    def stride(self) -> int:
        return self.every or -(-self.steps // 100)


class TrajectoryQuery(TrajectoryRequest):
    """The same fields as query parameters (for the event stream), where every value arrives as text."""

    model_config = ConfigDict(extra="forbid", strict=False)


class NoiseRequest(Strict):
    image: ImageInput
    t: int = Field(ge=0, le=999)
    seed: Seed | None = None
    schedule: Literal["linear", "cosine"] | None = None
    format: Format = "json"


class InpaintRequest(TrajectoryRequest):
    image: ImageInput
    mask: Pixels = Field(description="784 values; 1 = pixel to fill in, 0 = keep")


class InvertRequest(Strict):
    image: ImageInput
    label: Label | None = None
    steps: int = Field(50, ge=2, le=1000)
    sampler: Literal["ddim", "ode"] = Field(
        "ddim", description="the deterministic sampler run backwards: ddim (eta = 0, Euler) or ode (the "
                            "probability-flow ODE by Heun's method, 2 x steps - 1 evaluations each way)")


class SeededImage(Strict):
    """One image, and the seed of the noise u that dequantizes it: a flow sees (x + u) / 256."""

    image: ImageInput
    seed: Seed | None = None


class FlowEndpoint(OneOf):
    """One end of a flow interpolation: z = T * N(0, I) drawn from a seed, or an image's z."""

    seed: Seed | None = None
    image: ImageInput | None = None


class FlowInterpolateRequest(Strict):
    start: FlowEndpoint
    end: FlowEndpoint
    steps: int = Field(8, ge=2, le=32)
    method: Literal["lerp", "slerp"] = "lerp"
    temperature: float = Field(0.7, ge=0, le=1.5, allow_inf_nan=False,
                               description="seed ends only: z = temperature * N(0, I)")
    format: Format = "json"

    @model_validator(mode="after")
    def slerp_needs_a_direction(self):
        """At temperature 0 a seed end is z = 0, which has no direction for a great circle to start from."""
        if self.method == "slerp" and self.temperature == 0 and (self.start.seed, self.end.seed) != (None, None):
            raise ValueError("slerp from a seed end needs temperature > 0 (at 0 that end is z = 0)")
        return self


class CompleteRequest(Strict):
    image: ImageInput
    keep_rows: int = Field(14, ge=1, le=27, description="rows kept from the top; the rest are drawn")
    n: int = Field(8, ge=1, le=16)
    label: Label | None = None
    seed: Seed | None = None
    format: Format = "json"


class HeatmapRequest(Strict):
    image: ImageInput
    label: Label | None = None


class PixelStreamQuery(Strict):
    """The pixel stream's query parameters, where every value arrives as text."""

    model_config = ConfigDict(extra="forbid", strict=False)

    label: Label | None = None
    seed: Seed | None = None


# --- the NCSN on digits (models/ncsn) --------------------------------------------------------------------

ModelId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="a loaded model's id")]


class SameObjectRequest(Strict):
    image: ImageInput
    diffusion: ModelId = Field("ddpm-mnist", description="a pixel diffusion model (capability `noise`) to ask beside")
    label: Label | None = Field(None, description="given to both models when conditional (else their null class)")
    levels: int = Field(5, ge=1, le=10, description="the NCSN's levels compared, spread over its ladder")
    seed: Seed | None = None


class NCSNStreamQuery(Strict):
    """The Langevin stream's query parameters, where every value arrives as text."""

    model_config = ConfigDict(extra="forbid", strict=False)

    n: int = Field(4, ge=1, le=16)
    label: Label | None = None
    seed: Seed | None = None
    every: int = Field(5, ge=1, le=200, description="keep every this-many Langevin steps as a frame (and the last)")


# --- VQ-VAE with a Transformer prior (models/vqvae) -----------------------------------------------------


class TokensRequest(Strict):
    image: ImageInput
    label: Label | None = Field(None, description="conditional priors: the class the token surprises are measured "
                                                  "under (without it they are not measured)")


class TokenStreamQuery(Strict):
    """The token stream's query parameters, where every value arrives as text."""

    model_config = ConfigDict(extra="forbid", strict=False)

    label: Label | None = None
    seed: Seed | None = None
    temperature: float = Field(1.0, gt=0, le=3, allow_inf_nan=False,
                               description="each token's logits are divided by it: below 1 sharper, above flatter")


# --- 2-D score and energy models (models/score) -------------------------------------------------------

MAX_CHAIN_STEPS = 5000  # Langevin steps of one chain, over all levels
Level = Annotated[int, Field(ge=0, le=63, description="index into the model's noise levels, 0 = the noisiest")]


class ScoreFieldRequest(Strict):
    level: Level | None = Field(None, description="the noise level whose score is drawn; default the last (smallest)")
    grid: int = Field(20, ge=4, le=48, description="arrows per side of the square [-3, 3]^2")


class LangevinRequest(Strict):
    n: int = Field(400, ge=1, le=2000, description="chains (particles), started uniformly over [-3, 3]^2")
    seed: Seed | None = None
    annealed: bool = Field(True, description="through the levels first_level..last_level (Song & Ermon 2019); "
                                             "false: plain Langevin at last_level only")
    first_level: Level = Field(0, description="the first (noisiest) level run: sigma_max")
    last_level: Level | None = Field(None, description="the last level run: sigma_min; default the model's last")
    steps_per_level: int = Field(40, ge=1, le=MAX_CHAIN_STEPS)
    step_size: float | None = Field(None, gt=0, le=1, allow_inf_nan=False,
                                    description="epsilon: a step a = epsilon sigma^2 / sigma_min^2; default the "
                                                "model's (a fifth of sigma_min^2 for a score network, sigma^2 for an EBM)")
    final_denoise: bool = Field(True, description="end with x + sigma_min^2 score (Tweedie); never for an EBM")
    every: int | None = Field(None, ge=1, le=MAX_CHAIN_STEPS, description="keep every k-th step (default: <= 100 frames)")


class LangevinQuery(LangevinRequest):
    """The same fields as query parameters (for the event stream), where every value arrives as text."""

    model_config = ConfigDict(extra="forbid", strict=False)


# --- the nearest training digit of any image (models/evaluation/memorization.py) --------------------------


class NearestRequest(Strict):
    image: ImageInput = Field(description="the digit asked about: 784 pixels, or a data URL (a 28 x 28 one is taken "
                                          "pixel for pixel, any other size MNIST-formatted as on every route)")
    k: int = Field(3, ge=1, le=8, description="nearest training digits listed, in pixels and in features")


# --- real or fake? the quiz (models/evaluation/quiz.py) -------------------------------------------------

QUIZ_SIZES = (9, 16, 25)  # square grids: 3 x 3, 4 x 4, 5 x 5


def _quiz_size(n: int) -> int:
    """Square grids only: the page lays a round out as side x side cells."""
    if n not in QUIZ_SIZES:
        raise ValueError(f"a round has {', '.join(map(str, QUIZ_SIZES[:-1]))} or {QUIZ_SIZES[-1]} cells (a square "
                         f"grid), not {n}")
    return n


QuizSize = Annotated[int, Field(ge=QUIZ_SIZES[0], le=QUIZ_SIZES[-1], json_schema_extra={"enum": list(QUIZ_SIZES)},
                                description="cells in the round: 9, 16 or 25"), AfterValidator(_quiz_size)]


class QuizQuery(Strict):
    """A round's query parameters, where every value arrives as text."""

    model_config = ConfigDict(extra="forbid", strict=False)

    seed: Seed | None = Field(None, description="fixes the layout and the samples: the same seed, the same round")
    n: QuizSize = 16


class QuizAnswers(Strict):
    seed: Seed = Field(description="the round's seed, as echoed by GET /api/quiz/{model_id}")
    n: QuizSize = 16
    picks: Annotated[list[Annotated[int, Field(ge=0, lt=QUIZ_SIZES[-1])]], Field(max_length=QUIZ_SIZES[-1])] = Field(
        default_factory=list, json_schema_extra={"uniqueItems": True},
        description="the cells called fake: distinct indices 0..n-1, row by row")

    @model_validator(mode="after")
    def picks_are_cells(self):
        if len(set(self.picks)) != len(self.picks):
            raise ValueError("picks repeat a cell: give each cell called fake once")
        if any(p >= self.n for p in self.picks):
            raise ValueError(f"picks must be cells 0..{self.n - 1} of a round of {self.n}")
        return self
