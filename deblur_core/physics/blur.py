"""The blur forward model ``y = k * x + n`` and its one convolution convention.

Every paper section of the companion blurs through this module, so the convention
is written down here once (SelfDeblur, Sec. 3.1, Eq. 1):

* ``*`` is a **true convolution**, not a correlation::

      y[i, j] = sum_{a, b} k[a, b] * x[i - a + ca, j - b + cb]

  A kernel and its 180-degree rotation give different images; ``flip_kernel``
  turns one into the other.
* The **kernel centre** is ``(ca, cb) = (kh // 2, kw // 2)``: the middle tap for an
  odd size, the lower-right tap of the central 2 x 2 block for an even size.
  A delta at the centre leaves an image unchanged in the ``'same'`` and
  ``'circular'`` modes.
* Three boundary **modes**:

  ``'valid'``
      ``x`` is larger than ``y`` by ``kh - 1`` rows and ``kw - 1`` columns; every
      output pixel sees only real input pixels. This is SelfDeblur's model: the
      latent image generator produces an ``(H + kh - 1) x (W + kw - 1)`` image so
      that the blurred result has the blurry image's size ``H x W``.
  ``'same'``
      output has the input's size; pixels outside the image are zero.
  ``'circular'``
      output has the input's size; the image wraps around (periodic boundary),
      which is what multiplying Fourier transforms computes (see ``psf2otf``).

Images are torch tensors shaped ``(B, C, H, W)`` (``(H, W)`` and ``(C, H, W)``
are accepted by the functional helpers). A kernel is ``(kh, kw)`` (shared by all
images) or ``(B, kh, kw)`` (one kernel per image of the batch: many windows
blurred or deblurred in one call).

Examples
--------
>>> import torch
>>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 2, 2] = 1.0
>>> k = torch.tensor([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
>>> y = convolve(x, k, mode="same")
>>> (y[0, 0] == 1).nonzero().tolist()   # a tap right of centre moves the image right
[[2, 3]]
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MODES = ("valid", "same", "circular")


def kernel_center(shape) -> tuple[int, int]:
    """Index of the kernel tap that maps a pixel onto itself: ``(kh // 2, kw // 2)``."""
    kh, kw = shape[-2], shape[-1]
    return kh // 2, kw // 2


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown boundary mode {mode!r}; use one of {', '.join(MODES)}")


def _as_4d(x: torch.Tensor) -> tuple[torch.Tensor, int]:
    if x.ndim == 2:
        return x[None, None], 2
    if x.ndim == 3:
        return x[None], 3
    if x.ndim == 4:
        return x, 4
    raise ValueError(f"image must be (H, W), (C, H, W) or (B, C, H, W); got shape {tuple(x.shape)}")


def _restore(y: torch.Tensor, ndim: int) -> torch.Tensor:
    if ndim == 2:
        return y[0, 0]
    if ndim == 3:
        return y[0]
    return y


def _kernel_weights(kernel: torch.Tensor, batch: int, channels: int, flip: bool) -> torch.Tensor:
    """Kernel as ``conv2d`` weights (``conv2d`` correlates, so a convolution flips first);
    per-image kernels become grouped weights."""
    taps = torch.flip(kernel, dims=(-2, -1)) if flip else kernel
    if kernel.ndim == 2:
        return taps.expand(channels, 1, *kernel.shape)
    if kernel.ndim == 3:
        if kernel.shape[0] != batch:
            raise ValueError(
                f"{kernel.shape[0]} kernels given for a batch of {batch} images; "
                "pass one kernel (kh, kw) or one per image (B, kh, kw)"
            )
        return taps[:, None].repeat_interleave(channels, dim=0)
    raise ValueError(f"kernel must be (kh, kw) or (B, kh, kw); got shape {tuple(kernel.shape)}")


def _centred_padding(kh: int, kw: int) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) padding that puts the kernel centre on each pixel."""
    ca, cb = kernel_center((kh, kw))
    top, left = kh - 1 - ca, kw - 1 - cb
    return left, kw - 1 - left, top, kh - 1 - top


def _filter(x4: torch.Tensor, kernel: torch.Tensor, flip: bool) -> torch.Tensor:
    """Unpadded correlation of each image with its kernel (flipped first if ``flip``)."""
    b, c = x4.shape[:2]
    weights = _kernel_weights(kernel.to(x4.dtype), b, c, flip)
    if kernel.ndim == 2:
        return F.conv2d(x4, weights, groups=c)
    # one kernel per image: fold the batch into channels and use groups
    folded = x4.reshape(1, b * c, *x4.shape[-2:])
    out = F.conv2d(folded, weights, groups=b * c)
    return out.reshape(b, c, *out.shape[-2:])


def convolve(x: torch.Tensor, kernel: torch.Tensor, mode: str = "valid") -> torch.Tensor:
    """Blur ``x`` with ``kernel`` by true convolution (direct, spatial-domain path).

    Parameters
    ----------
    x : torch.Tensor
        Image(s), ``(H, W)``, ``(C, H, W)`` or ``(B, C, H, W)``.
    kernel : torch.Tensor
        ``(kh, kw)`` or ``(B, kh, kw)``.
    mode : {'valid', 'same', 'circular'}
        Boundary handling, see the module docstring.

    Returns
    -------
    torch.Tensor
        ``(H - kh + 1, W - kw + 1)`` for ``'valid'``, otherwise the input's size.
    """
    _check_mode(mode)
    x4, ndim = _as_4d(x)
    kh, kw = kernel.shape[-2:]
    if mode == "valid":
        if x4.shape[-2] < kh or x4.shape[-1] < kw:
            raise ValueError(
                f"image {tuple(x4.shape[-2:])} is smaller than the kernel {(kh, kw)}; "
                "a 'valid' convolution needs an image at least as large as the kernel"
            )
        padded = x4
    else:
        pad = _centred_padding(kh, kw)
        padded = F.pad(x4, pad, mode="circular" if mode == "circular" else "constant")
    return _restore(_filter(padded, kernel, flip=True), ndim)


def convolve_adjoint(y: torch.Tensor, kernel: torch.Tensor, mode: str = "valid") -> torch.Tensor:
    """Adjoint of :func:`convolve`: ``<convolve(x), y> == <x, convolve_adjoint(y)>``.

    It is a correlation with ``kernel``; for ``'valid'`` it returns the larger,
    ``(H + kh - 1) x (W + kw - 1)``, image.
    """
    _check_mode(mode)
    y4, ndim = _as_4d(y)
    kh, kw = kernel.shape[-2:]
    if mode == "valid":
        padded = F.pad(y4, (kw - 1, kw - 1, kh - 1, kh - 1))
    else:
        left, right, top, bottom = _centred_padding(kh, kw)
        # the adjoint looks the other way: swap the before/after padding
        pad = (right, left, bottom, top)
        padded = F.pad(y4, pad, mode="circular" if mode == "circular" else "constant")
    return _restore(_filter(padded, kernel, flip=False), ndim)


def psf2otf(kernel: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Optical transfer function: FFT of ``kernel`` zero-padded to ``shape``,
    rolled so that the kernel centre sits at pixel ``(0, 0)``.

    ``ifft2(fft2(x) * psf2otf(k, x.shape))`` equals ``convolve(x, k, 'circular')``.
    """
    kh, kw = kernel.shape[-2:]
    if kh > shape[0] or kw > shape[1]:
        raise ValueError(f"kernel {(kh, kw)} does not fit in an image of size {tuple(shape)}")
    padded = kernel.new_zeros(*kernel.shape[:-2], *shape)
    padded[..., :kh, :kw] = kernel
    ca, cb = kernel_center((kh, kw))
    padded = torch.roll(padded, shifts=(-ca, -cb), dims=(-2, -1))
    return torch.fft.fft2(padded)


def fft_convolve(x: torch.Tensor, kernel: torch.Tensor, mode: str = "valid") -> torch.Tensor:
    """Same result as :func:`convolve`, computed with FFTs (faster for large kernels)."""
    _check_mode(mode)
    x4, ndim = _as_4d(x)
    kh, kw = kernel.shape[-2:]
    _kernel_weights(kernel, x4.shape[0], 1, flip=False)  # the same kernel-shape checks as convolve
    if mode == "valid" and (x4.shape[-2] < kh or x4.shape[-1] < kw):
        raise ValueError(
            f"image {tuple(x4.shape[-2:])} is smaller than the kernel {(kh, kw)}; "
            "a 'valid' convolution needs an image at least as large as the kernel"
        )
    k4 = kernel[:, None] if kernel.ndim == 3 else kernel
    h, w = x4.shape[-2:]
    if mode == "circular":
        out = torch.fft.ifft2(torch.fft.fft2(x4) * psf2otf(k4.to(x4.dtype), (h, w))).real
        return _restore(out, ndim)
    # linear convolution: zero-pad to the 'full' size so that nothing wraps
    full_h, full_w = h + kh - 1, w + kw - 1
    padded = F.pad(x4, (0, kw - 1, 0, kh - 1))
    otf = psf2otf(k4.to(x4.dtype), (full_h, full_w))
    ca, cb = kernel_center((kh, kw))
    circ = torch.fft.ifft2(torch.fft.fft2(padded) * otf).real
    # circ[i] holds sum_a k[a] x[i - a + ca]; the full result starts at i = -ca
    full = torch.roll(circ, shifts=(ca, cb), dims=(-2, -1))
    if mode == "valid":
        out = full[..., kh - 1 : h, kw - 1 : w]
    else:
        out = full[..., ca : ca + h, cb : cb + w]
    return _restore(out, ndim)


def add_gaussian_noise(y: torch.Tensor, sigma: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """``y + n`` with ``n`` white Gaussian noise of standard deviation ``sigma`` (image range [0, 1])."""
    if sigma < 0:
        raise ValueError(f"noise level must be non-negative, got {sigma}")
    noise = torch.randn(y.shape, generator=generator, dtype=y.dtype, device="cpu").to(y.device)
    return y + sigma * noise


class Blur:
    """Linear operator ``x -> k * x`` with a fixed kernel and boundary mode.

    Parameters
    ----------
    kernel : torch.Tensor
        ``(kh, kw)`` or ``(B, kh, kw)``.
    mode : {'valid', 'same', 'circular'}

    Examples
    --------
    >>> import torch
    >>> op = Blur(torch.ones(3, 3) / 9, mode="valid")
    >>> op(torch.ones(1, 1, 7, 9)).shape
    torch.Size([1, 1, 5, 7])
    >>> op.adjoint(torch.ones(1, 1, 5, 7)).shape
    torch.Size([1, 1, 7, 9])
    """

    def __init__(self, kernel: torch.Tensor, mode: str = "valid"):
        _check_mode(mode)
        self.kernel = kernel
        self.mode = mode

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return convolve(x, self.kernel, self.mode)

    def adjoint(self, y: torch.Tensor) -> torch.Tensor:
        return convolve_adjoint(y, self.kernel, self.mode)
