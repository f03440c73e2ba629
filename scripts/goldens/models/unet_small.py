"""A two-level U-Net: GroupNorm + SiLU conv blocks, one transposed-conv and one Upsample decoder step."""
import torch
import torch.nn as nn


class ConvBlock(nn.Module):
    def __init__(self, cin, cout, groups=2):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1),
            nn.GroupNorm(groups, cout),
            nn.SiLU(),
            nn.Conv2d(cout, cout, 3, padding=1),
            nn.GroupNorm(groups, cout),
            nn.SiLU(),
        )

    def forward(self, x):
        return self.body(x)


class UNetSmall(nn.Module):
    def __init__(self, cin=3, cout=2, base=4):
        super().__init__()
        self.enc1 = ConvBlock(cin, base)
        self.pool = nn.MaxPool2d(2)
        self.enc2 = ConvBlock(base, base * 2)
        self.bottleneck = ConvBlock(base * 2, base * 4)
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, kernel_size=2, stride=2)
        self.dec2 = ConvBlock(base * 4, base * 2)
        self.up1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                 nn.Conv2d(base * 2, base, kernel_size=1))
        self.dec1 = ConvBlock(base * 2, base)
        self.head = nn.Conv2d(base, cout, kernel_size=1)

    def forward(self, x):
        s1 = self.enc1(x)
        s2 = self.enc2(self.pool(s1))
        b = self.bottleneck(self.pool(s2))
        d2 = self.dec2(torch.cat([self.up2(b), s2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), s1], dim=1))
        return self.head(d1)


def build():
    return UNetSmall()


def example_input():
    torch.manual_seed(4)
    return torch.randn(1, 3, 16, 16)
