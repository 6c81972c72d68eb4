import pytest
import torch

from deblur_core.models.unet import UNet, load_unet, save_unet


def test_any_size_in_same_size_out_in_unit_range():
    torch.manual_seed(0)
    net = UNet(width=4).eval()
    for shape in [(1, 3, 33, 47), (2, 3, 16, 16), (1, 3, 5, 7)]:
        out = net(torch.rand(shape))
        assert out.shape == shape and out.min() > 0 and out.max() < 1


def test_paper_width_matches_the_supplement_table():
    net = UNet(width=64)
    widths = [block[0].out_channels for block in net.encoder]
    assert widths == [64, 128, 256, 512, 1024]
    assert net.head.out_channels == 3


def test_dropout_only_in_training_mode():
    torch.manual_seed(0)
    net = UNet(width=4)
    x = torch.rand(1, 3, 32, 32)
    net.eval()
    assert torch.equal(net(x), net(x))
    net.train()
    assert not torch.equal(net(x), net(x))


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    net = UNet(width=4)
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
    x = torch.rand(2, 3, 32, 32)
    target = 0.25 + 0.5 * x[:, :1].expand_as(x)  # grey version of the input, contrast reduced
    losses = []
    for _ in range(40):
        loss = (net(x) - target).abs().mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def test_save_and_load_round_trip(tmp_path):
    from deblur_core.models.region_classifier import RegionClassifier, save_classifier

    torch.manual_seed(0)
    net = UNet(width=3).eval()
    save_unet(tmp_path / "unet.pt", net)
    x = torch.rand(1, 3, 20, 24)
    assert torch.equal(load_unet(tmp_path / "unet.pt")(x), net(x))
    save_classifier(tmp_path / "cnn.pt", RegionClassifier(input_size=33, width=2, blocks=(1, 1, 1, 1)))
    with pytest.raises(ValueError, match="expected one of UNet"):
        load_unet(tmp_path / "cnn.pt")
    torch.save(net.state_dict(), tmp_path / "bare.pt")
    with pytest.raises(ValueError, match="pass config=dict"):
        load_unet(tmp_path / "bare.pt")
    assert torch.equal(load_unet(tmp_path / "bare.pt", config={"width": 3})(x), net(x))


def test_residual_output_is_the_identity_until_trained_and_round_trips(tmp_path):
    net = UNet(width=2, output="residual").eval()
    x = torch.rand(2, 3, 19, 23)
    torch.testing.assert_close(net(x), x)
    with torch.no_grad():
        net.head.bias.fill_(2.0)  # pushes every pixel past 1: clipped in eval mode, not while training
    assert net(x).max() <= 1 and net.train()(x).min() > 1
    path = save_unet(tmp_path / "residual.pt", net.eval())
    loaded = load_unet(path)
    assert loaded.output == "residual"
    torch.testing.assert_close(loaded(x), net(x))
    with pytest.raises(ValueError, match="output must be"):
        UNet(width=2, output="tanh")
