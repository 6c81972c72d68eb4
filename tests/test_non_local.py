import pytest
import torch

from deblur_core.models.non_local import NonLocalBlock
from deblur_core.models.skip import SkipNetwork


def _trained(block: NonLocalBlock) -> NonLocalBlock:
    torch.manual_seed(0)
    torch.nn.init.normal_(block.project[1].weight)
    return block.eval()


def test_a_fresh_block_is_the_identity_and_keeps_odd_shapes():
    block = NonLocalBlock(6)
    x = torch.rand(2, 6, 11, 7)
    assert torch.equal(block(x), x)
    assert _trained(block)(x).shape == x.shape


def test_a_far_pixel_reaches_every_position():
    # a 1x1 convolution sees one pixel; the block mixes in the whole map
    block = _trained(NonLocalBlock(4))
    x = torch.rand(1, 4, 9, 9)
    changed = x.clone()
    changed[..., 8, 8] += 5.0
    difference = (block(changed) - block(x)).abs()[0].sum(0)
    assert difference[0, 0] > 1e-4


def test_skip_network_puts_blocks_in_the_deepest_stages_only():
    net = SkipNetwork(in_channels=4, channels=8, skip_channels=2, levels=4, non_local_levels=2)
    stages, stage = [], net.body
    while stage is not None:
        stages.append(stage.non_local is not None)
        stage = stage.inner
    assert stages == [False, False, True, True]
    assert net(torch.rand(1, 4, 37, 29)).shape == (1, 1, 37, 29)
    with pytest.raises(ValueError, match="non_local_levels must lie between 0 and levels"):
        SkipNetwork(levels=3, non_local_levels=4)


def test_without_blocks_the_parameters_are_those_of_before():
    # state-dict keys of networks saved before non-local blocks existed must still load
    keys = SkipNetwork(in_channels=4, channels=8, skip_channels=2, levels=3).state_dict().keys()
    assert not any("non_local" in key for key in keys)
    assert "body.down.1.0.weight" in keys
