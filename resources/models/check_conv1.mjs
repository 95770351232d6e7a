#!/usr/bin/env node
// Recomputes Conv1_relu from the converted checkpoint and the reference input with a naive
// convolution (stride 2, Keras' asymmetric (0, 1) zero padding, BN eps 1e-3, ReLU6), and prints
// the largest difference to the TF.js activation: it checks the OIHW/NCHW layout conversion.
// Usage: node check_conv1.mjs BACKBONE.lkckpt PORT_REFERENCE.lkckpt
import { readFileSync } from 'node:fs';
import { die, parseTensorFile } from './nsfwjs_source.mjs';

if (process.argv.length !== 4) die('usage: check_conv1.mjs BACKBONE.lkckpt PORT_REFERENCE.lkckpt');
const backbone = parseTensorFile(readFileSync(process.argv[2])).tensors;
const reference = parseTensorFile(readFileSync(process.argv[3])).tensors;
const get = (map, name) => map.get(name) || die(`no tensor ${name}`);
const weight = get(backbone, 'Conv1.weight');  // [32, 3, 3, 3]
const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => get(backbone, `bn_Conv1.${s}`).data);
const input = get(reference, 'input');  // [N, 3, H, W]
const expected = get(reference, 'Conv1_relu');  // [N, 32, H/2, W/2]
const [n, channels, height, width] = input.shape;
const [outChannels, , kernel] = weight.shape;
const outHeight = Math.floor((height + 1 - kernel) / 2) + 1, outWidth = Math.floor((width + 1 - kernel) / 2) + 1;
if (JSON.stringify(expected.shape) !== JSON.stringify([n, outChannels, outHeight, outWidth])) die('Conv1_relu has an unexpected shape');
let maxDifference = 0;
for (let b = 0; b < n; ++b)
    for (let o = 0; o < outChannels; ++o) {
        const scale = gamma[o] / Math.sqrt(variance[o] + 1e-3);
        for (let y = 0; y < outHeight; ++y)
            for (let x = 0; x < outWidth; ++x) {
                let sum = 0;
                for (let c = 0; c < channels; ++c)
                    for (let ky = 0; ky < kernel; ++ky)
                        for (let kx = 0; kx < kernel; ++kx) {
                            // Padding (0, 1): nothing before, one zero row/column after.
                            const iy = 2 * y + ky, ix = 2 * x + kx;
                            if (iy >= height || ix >= width) continue;
                            sum += weight.data[((o * channels + c) * kernel + ky) * kernel + kx]
                                 * input.data[((b * channels + c) * height + iy) * width + ix];
                        }
                const value = Math.min(Math.max((sum - mean[o]) * scale + beta[o], 0), 6);
                const difference = Math.abs(value - expected.data[((b * outChannels + o) * outHeight + y) * outWidth + x]);
                maxDifference = Math.max(maxDifference, difference);
            }
    }
console.log(`Conv1_relu recomputed from the checkpoint: max abs difference to TF.js ${maxDifference.toExponential(3)}`);
if (!(maxDifference < 1e-3)) die('Conv1_relu does not match: the layout conversion is wrong');
