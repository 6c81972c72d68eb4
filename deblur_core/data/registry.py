"""SHA-256 of every file of the public data sets the companion fetches (see :mod:`deblur_core.data.fetch`).

Levin et al. (CVPR 2009) recorded the benchmark; the copy pinned here is the one the SelfDeblur authors
(Ren et al., CVPR 2020) distribute with their code, in their layout: ``imN_kernelM_img.png`` blurry images
and ``gt/`` with the sharp images and the kernels stored as 8-bit pictures.
"""

LEVIN_COMMIT = "e1c79ee528eb333416b032e4bc002337c2d5c0f3"
LEVIN_URL = f"https://raw.githubusercontent.com/csdwren/SelfDeblur/{LEVIN_COMMIT}/datasets/levin/"

LEVIN_REGISTRY = {
    "im1_kernel1_img.png": "99bae020ec046ad07cfd782df93a2e034cf361924f959cd0e8f358f59c1fde79",
    "im1_kernel2_img.png": "ff149271985f4b75d0acb455a84a775a8658fa4fa0161cb1afd90d61c046032e",
    "im1_kernel3_img.png": "1697562f0dd011bfb51931387b79dab8b4777663d5818c832c9ba83d03fe8083",
    "im1_kernel4_img.png": "6f1ce54d5d2ff4b4d7ed295d490fd0b49b1d7f21bdd2b9ce511b1740318864ba",
    "im1_kernel5_img.png": "956b64445b40a2d5a18aa82c87e552e3e87b8c3bab10b607f0b005e4be7a3a8b",
    "im1_kernel6_img.png": "c11b41668fafc178cb9d9b6c376d576d0a417da9e8d3b2f105a76eda84513621",
    "im1_kernel7_img.png": "853c612dd1f1eb0705cb1e0a19e043a434f0ecd2719b84024ca9bb0e0cc1b70f",
    "im1_kernel8_img.png": "736ea69e7b9396e24ba0cb48d2a23438e1ebd7207637f4c51a73eddc72d4e497",
    "im2_kernel1_img.png": "a3ab79c63651c25781df3bc4634e27e3f1eddfbbc17eeb596136da47691ffa36",
    "im2_kernel2_img.png": "5cc2c6b816da3b62572c46fd313d08fc9607b40c6b9418f8a4c8ba1a4467e151",
    "im2_kernel3_img.png": "ce381229863d766bd01bad99c73c8ce0fcedca8baa74559d937a32bb772dab41",
    "im2_kernel4_img.png": "e28a6c0d7ec33be432e7fad1d23aba79f405c4b072e8fc4dbf63192f65419f8c",
    "im2_kernel5_img.png": "12884f8e8ed918eade594d5100d06b2fb30c74f2f21e78196fc1ca3a38edeb15",
    "im2_kernel6_img.png": "c748285a2bdab6689aa475403ed4d0b887c0f109ce5897321f78dc348bc69001",
    "im2_kernel7_img.png": "7a6a0377bac202f77be0fe3c132170a78e194d319cbeb34804436b755c97fcd2",
    "im2_kernel8_img.png": "a13fe0f90379393bc14f7ccb51222eb693fe51a8a7a61588a01e13f4dac5a49e",
    "im3_kernel1_img.png": "5785debe84bf068d04e8b17c24a8c5ad3a4ba3d611cd56d07befaae722828b59",
    "im3_kernel2_img.png": "b61e141cac9b4d4c8a3a6d08f024a40d05d60bb5fd750f4856b92aca1482d1a4",
    "im3_kernel3_img.png": "3b1fe7f07ef758e6eee5fe70ffc3464c8fd2e2743d2d18ff6915cca144ed986f",
    "im3_kernel4_img.png": "27c5aff7faa9e2ee140556f6718a39e034fff3156be96742d667cd6fb776b73f",
    "im3_kernel5_img.png": "e5aef15315d78f5f1ad2844378c877ca64ea22503a38b71505c972cbfe00aa30",
    "im3_kernel6_img.png": "08e4f02d1f31c1c7bb83f478ebc999aedcc665440c22443a1022500e3b03de8d",
    "im3_kernel7_img.png": "7a9a661388e0feb6f48ab07195433ee0c83999f61d4d366a813c5dcacad242d6",
    "im3_kernel8_img.png": "e85222a554787bb91b28b6e282462204298cc6efb55c1c3e638e6ace229627be",
    "im4_kernel1_img.png": "a0bbd02439f37a073bc0982f51e6504356bb33712a83f1133caea60bec3b3467",
    "im4_kernel2_img.png": "d1f4c5c6f4593d7fccfc8a9b25e3357244ddaea2aaa469fcb4324d0de92930b2",
    "im4_kernel3_img.png": "d7dc1626d9d6b35d3d8b72f934dd77fe5df1a9bc7478287ee5f27b361baae997",
    "im4_kernel4_img.png": "da1457f9bf96b17f82a6eeb56d62f7f34db38dabca1bab9ae8dd76d5676bf123",
    "im4_kernel5_img.png": "3291a8e8be25462889b7a54f32a08958bc966983d46c631edebb328cdcd42db1",
    "im4_kernel6_img.png": "62b403a31729b6d7bdaadf0267e7108c2f06039893cba70fcad2ff03332a81e4",
    "im4_kernel7_img.png": "13f3c5adb4d040c6c43a2746c8c12418025d02137f2cbf0e4b02c57f3741cdcd",
    "im4_kernel8_img.png": "531f2cdd22675fd507e036d2c372f1275dca5a2d92c1e6289bd9ef5a59c9cf8f",
    "gt/im1.png": "219c07f1ba91ae826b44d4798b6d104205983629491c0bb9344588470eb765aa",
    "gt/im2.png": "3ca3e2d10a61733847005603b83c59747356141664cabd6ae27ad6750d7cc890",
    "gt/im3.png": "f70e815f3d711f9f2138c00bbc04769a7964f1f44442320e353b976a6f74d43d",
    "gt/im4.png": "207cf093bacdf4a68a6dc23d473aa8beeb6456e9ab46a805f9bb55ab48d4e95a",
    "gt/kernel1.png": "657e9c081dd1710363237871f6ab6787efd06082c4b1dedcb8195b0c3530f2ea",
    "gt/kernel2.png": "dcc9d17194741cb4f1ee0c9fd943dc652b1312a50bc3751d54e92e9a4f7175dc",
    "gt/kernel3.png": "f81b32e7f8b3cf51780e0e463349dfcdfa5db31d8019ecbd5c283938e7d0fe9e",
    "gt/kernel4.png": "c937a99d0ee9e4ca8391ebaa503947fd616eac29735335874e2b445e4c45b726",
    "gt/kernel5.png": "4cd4bc996428f9b4e98031a3efc380b8e4ff54a6dd520dbd879ddbe84cb67d5d",
    "gt/kernel6.png": "0b94fc76b11aa885d692343a54e5f2a5b01d42002114d6d32d3024ff9705353f",
    "gt/kernel7.png": "2bc82924ad742a2cb4cd4df8f4ad5aee263a990445a7c5c5532f3de04c5bdb54",
    "gt/kernel8.png": "477e4dda32377021426ced6938c0786c0d64bcfa2082407c7f41355e3ceb9a43",
}
