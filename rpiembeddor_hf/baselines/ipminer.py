"""IPMiner (Pan et al. 2016, BMC Genomics 17:582), re-implemented with torch and scikit-learn.

1. RPISeq features (RNA 4-mers, protein conjoint triad), min-max scaled on the training pairs
   (:class:`~rpiembeddor_hf.baselines.transformers.IPMinerFeatures`).
2. One stacked denoising autoencoder (SDA) per molecule, pre-trained greedily layer by layer (masking
   noise, sigmoid units, MSE reconstruction): RNA 256 -> 128 -> 64, protein 343 -> 128 -> 64.
3. Fine-tuning: both encoders + a logistic output on the concatenated codes, trained end to end (BCE).
4. Three random forests: on the pre-trained codes (SDA-RF), on the fine-tuned codes (SDA-FT-RF) and on
   the raw features (RPISeq-RF).
5. Stacking: a logistic-regression meta model on the three forests' probabilities. It is trained on the
   forests' *out-of-bag* probabilities (each training pair scored only by the trees whose bootstrap left
   it out), so it never learns from a forest scoring pairs it was fitted on, at no extra training cost.

Everything is seeded; torch runs inside a forked RNG so the caller's global state is untouched. Saved as
safetensors (both SDA weight sets and the scaling) + skops (forests, meta model).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from torch import nn

from rnainteract_builder.contract.errors import InputError
from rpiembeddor_hf.baselines.base import PairClassifier, load_sklearn, register, save_sklearn
from rpiembeddor_hf.baselines.data import PairData, as_pair_data
from rpiembeddor_hf.baselines.transformers import IPMinerFeatures

RNA_DIM = 256
WEIGHTS_FILE = "sda.safetensors"
COMPONENTS = ("sda-rf", "sda-ft-rf", "rpiseq-rf")


class StackedDenoisingAutoencoder(nn.Module):
    """Encoder stack with tied-shape decoders used only during greedy pre-training."""

    def __init__(self, n_in: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        sizes = (n_in, *hidden)
        self.encoders = nn.ModuleList(nn.Linear(a, b) for a, b in pairwise(sizes))
        self.decoders = nn.ModuleList(nn.Linear(b, a) for a, b in pairwise(sizes))

    def encode(self, x: torch.Tensor, depth: int | None = None) -> torch.Tensor:
        for encoder in self.encoders[: depth if depth is not None else len(self.encoders)]:
            x = torch.sigmoid(encoder(x))
        return x


class IPMinerNetwork(nn.Module):
    def __init__(self, hidden: tuple[int, ...], protein_dim: int) -> None:
        super().__init__()
        self.rna = StackedDenoisingAutoencoder(RNA_DIM, hidden)
        self.protein = StackedDenoisingAutoencoder(protein_dim, hidden)
        self.head = nn.Linear(2 * hidden[-1], 1)

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.rna.encode(x[:, :RNA_DIM]), self.protein.encode(x[:, RNA_DIM:])], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.codes(x)).squeeze(1)


def _batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    return list(torch.randperm(n, generator=generator).split(batch_size))


def pretrain_layerwise(sda: StackedDenoisingAutoencoder, x: torch.Tensor, epochs: int, noise: float,
                       batch_size: int, lr: float, generator: torch.Generator) -> None:
    """Greedy denoising pre-training: layer i learns to rebuild its (clean) input from a masked copy."""
    for depth, (encoder, decoder) in enumerate(zip(sda.encoders, sda.decoders, strict=True)):
        with torch.no_grad():
            inputs = sda.encode(x, depth)
        optimiser = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)
        for _ in range(epochs):
            for idx in _batches(len(inputs), batch_size, generator):
                clean = inputs[idx]
                keep = (torch.rand(clean.shape, generator=generator) >= noise).to(clean.dtype)
                rebuilt = torch.sigmoid(decoder(torch.sigmoid(encoder(clean * keep))))
                loss = nn.functional.mse_loss(rebuilt, clean)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()


def finetune(net: IPMinerNetwork, x: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int, lr: float,
             generator: torch.Generator) -> None:
    params = [*net.rna.encoders.parameters(), *net.protein.encoders.parameters(), *net.head.parameters()]
    optimiser = torch.optim.Adam(params, lr=lr)
    for _ in range(epochs):
        for idx in _batches(len(x), batch_size, generator):
            loss = nn.functional.binary_cross_entropy_with_logits(net(x[idx]), y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()


def _out_of_bag_positive(forest: RandomForestClassifier) -> np.ndarray:
    """Out-of-bag P(positive) per training row; a row that was in every bootstrap (rare) gets 0.5."""
    oob = np.nan_to_num(forest.oob_decision_function_[:, 1], nan=0.5)
    return oob


@register
class IPMiner(PairClassifier):
    name = "ipminer"

    def __init__(self, random_state: int = 0, hidden: tuple[int, ...] | list[int] = (128, 64),
                 pretrain_epochs: int = 20, finetune_epochs: int = 30, noise: float = 0.2, batch_size: int = 64,
                 lr: float = 1e-3, n_estimators: int = 100, n_jobs: int = 1, torch_threads: int = 1) -> None:
        self.random_state = random_state
        self.hidden = hidden
        self.pretrain_epochs = pretrain_epochs
        self.finetune_epochs = finetune_epochs
        self.noise = noise
        self.batch_size = batch_size
        self.lr = lr
        self.n_estimators = n_estimators
        self.n_jobs = n_jobs
        self.torch_threads = torch_threads

    @property
    def _hidden(self) -> tuple[int, ...]:
        return tuple(int(h) for h in self.hidden)

    # ------------------------------------------------------------------ features of the three forests
    def _scaled(self, data: PairData) -> torch.Tensor:
        return torch.from_numpy(self.scaler_.transform(data))

    def _component_inputs(self, x: torch.Tensor) -> dict[str, np.ndarray]:
        with torch.no_grad():
            return {"sda-rf": self.pretrained_.codes(x).numpy(), "sda-ft-rf": self.finetuned_.codes(x).numpy(),
                    "rpiseq-rf": x.numpy()}

    def _forest(self) -> RandomForestClassifier:
        return RandomForestClassifier(n_estimators=self.n_estimators, random_state=self.random_state,
                                      n_jobs=self.n_jobs, oob_score=True)

    # ------------------------------------------------------------------ fit / predict
    def _fit(self, data: PairData) -> None:
        y = data.y
        if len(np.unique(y)) < 2:
            raise InputError("ipminer needs both positive and negative training pairs")
        self.scaler_ = IPMinerFeatures().fit(data)
        x = self._scaled(data)
        threads = torch.get_num_threads()
        torch.set_num_threads(self.torch_threads)  # tiny matrices: threads only add contention
        try:
            self._train_networks(x, y)
        finally:
            torch.set_num_threads(threads)
        inputs = self._component_inputs(x)
        self.forests_ = {name: self._forest().fit(inputs[name], y) for name in COMPONENTS}
        # Out-of-bag probabilities: each training pair scored only by trees that did not see it.
        out_of_bag = np.column_stack([_out_of_bag_positive(self.forests_[name]) for name in COMPONENTS])
        self.meta_ = LogisticRegression(random_state=self.random_state).fit(out_of_bag, y)

    def _train_networks(self, x: torch.Tensor, y: np.ndarray) -> None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.random_state)
            generator = torch.Generator().manual_seed(self.random_state)
            net = IPMinerNetwork(self._hidden, x.shape[1] - RNA_DIM)
            for sda, cols in ((net.rna, slice(0, RNA_DIM)), (net.protein, slice(RNA_DIM, None))):
                pretrain_layerwise(sda, x[:, cols], self.pretrain_epochs, self.noise, self.batch_size, self.lr,
                                   generator)
            self.pretrained_ = IPMinerNetwork(self._hidden, x.shape[1] - RNA_DIM)
            self.pretrained_.load_state_dict(net.state_dict())
            finetune(net, x, torch.from_numpy(y.astype(np.float32)), self.finetune_epochs, self.batch_size,
                     self.lr, generator)
            self.finetuned_ = net
        self.pretrained_.eval()
        self.finetuned_.eval()

    def predict_components(self, X: Any) -> dict[str, np.ndarray]:  # noqa: N803  (scikit-learn's name)
        """P(interaction) of SDA-RF, SDA-FT-RF, RPISeq-RF (on IPMiner's scaled features) and the ensemble."""
        self._check_fitted()
        inputs = self._component_inputs(self._scaled(as_pair_data(X)))
        out = {name: self.forests_[name].predict_proba(inputs[name])[:, 1] for name in COMPONENTS}
        out["ipminer"] = self.meta_.predict_proba(np.column_stack([out[n] for n in COMPONENTS]))[:, 1]
        return out

    def _positive(self, data: PairData) -> np.ndarray:
        return self.predict_components(data)["ipminer"]

    # ------------------------------------------------------------------ persistence
    def _save_state(self, directory: Path) -> None:
        self._check_fitted()
        tensors = {f"pretrained.{k}": v.contiguous() for k, v in self.pretrained_.state_dict().items()}
        tensors |= {f"finetuned.{k}": v.contiguous() for k, v in self.finetuned_.state_dict().items()}
        tensors |= {"feature_min": torch.from_numpy(self.scaler_.min_).contiguous(),
                    "feature_scale": torch.from_numpy(self.scaler_.scale_).contiguous()}
        save_file(tensors, str(directory / WEIGHTS_FILE))
        for name in COMPONENTS:
            save_sklearn(self.forests_[name], directory / f"{name}.skops")
        save_sklearn(self.meta_, directory / "meta.skops")

    def _load_state(self, directory: Path) -> None:
        path = directory / WEIGHTS_FILE
        if not path.is_file():
            raise InputError(f"{path}: saved IPMiner weights not found")
        tensors = load_file(str(path))
        self.scaler_ = IPMinerFeatures()
        self.scaler_.min_ = tensors["feature_min"].numpy()
        self.scaler_.scale_ = tensors["feature_scale"].numpy()
        protein_dim = self.scaler_.min_.size - RNA_DIM
        nets = {}
        for prefix in ("pretrained", "finetuned"):
            net = IPMinerNetwork(self._hidden, protein_dim)
            net.load_state_dict({k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(prefix + ".")})
            nets[prefix] = net.eval()
        self.pretrained_, self.finetuned_ = nets["pretrained"], nets["finetuned"]
        self.forests_ = {name: load_sklearn(directory / f"{name}.skops") for name in COMPONENTS}
        self.meta_ = load_sklearn(directory / "meta.skops")
