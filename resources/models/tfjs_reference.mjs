#!/usr/bin/env node
// Port reference: activations of the original nsfwjs@4.4.0 MobileNetV2, computed by TF.js itself
// (pure-JS CPU backend), for checking the C++ port layer by layer (development time only).
// Usage: node tfjs_reference.mjs NODE_MODULES_PARENT NSFWJS_TARBALL SAMPLE_CATALOG OUT.lkckpt
//   NODE_MODULES_PARENT holds @tensorflow/tfjs@4.22.0 and pngjs (make_port_reference.sh installs them).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE, dequantise, die, loadSource, serializeTensorFile, sha256, writeAtomically } from './nsfwjs_source.mjs';

const INPUT_SIZE = 128;
const ARCHITECTURE = `mobilenetv2-port-reference/1 source=${PACKAGE} input_size=${INPUT_SIZE}`;
const LAYERS = ['Conv1_relu', 'expanded_conv_project_BN', 'block_3_expand_relu', 'block_6_project_BN',
                'block_10_project_BN', 'block_12_expand_relu', 'block_13_project_BN'];
const REQUIRED = new Set(['Conv1_relu', 'block_6_project_BN', 'block_12_expand_relu']);
const MAX_BYTES = 6 * 1024 * 1024;
// Inputs: two photos as they are (grey, so R = G = B), and two colour composites whose R, G and B
// are three different photos, so that a swapped channel order shows up in the comparison.
const INPUTS = [['ankle-boot/ankle-boot-0001.png'], ['dress/dress-0001.png'],
                ['bag/bag-0001.png', 'coat/coat-0001.png', 'sandal/sandal-0001.png'],
                ['pullover/pullover-0001.png', 'shirt/shirt-0001.png', 'trouser/trouser-0001.png']];

if (process.argv.length !== 6) die('usage: tfjs_reference.mjs NODE_MODULES_PARENT NSFWJS_TARBALL SAMPLE_CATALOG OUT.lkckpt');
const [modulesDir, tarball, catalog, output] = process.argv.slice(2);
const require = createRequire(join(modulesDir, 'package.json'));
const tf = require('@tensorflow/tfjs');
const { PNG } = require('pngjs');
if (tf.version.tfjs !== '4.22.0') die(`expected @tensorflow/tfjs 4.22.0, found ${tf.version.tfjs}`);

// Bilinear resize with half-pixel centres (source = (dst + 0.5) * in / out - 0.5, clamped to the
// edge), of one channel of an RGBA PNG, to INPUT_SIZE x INPUT_SIZE values in [0, 1].
function loadChannel(file, channel) {
    const png = PNG.sync.read(readFileSync(join(catalog, file)));
    const result = new Float32Array(INPUT_SIZE * INPUT_SIZE);
    const sample = (x, y) => png.data[(y * png.width + x) * 4 + channel] / 255;
    const axis = (dst, size) => {
        const source = Math.min(Math.max((dst + 0.5) * size / INPUT_SIZE - 0.5, 0), size - 1);
        const low = Math.floor(source);
        return [low, Math.min(low + 1, size - 1), source - low];
    };
    for (let y = 0; y < INPUT_SIZE; ++y) {
        const [y0, y1, fy] = axis(y, png.height);
        for (let x = 0; x < INPUT_SIZE; ++x) {
            const [x0, x1, fx] = axis(x, png.width);
            const top = sample(x0, y0) * (1 - fx) + sample(x1, y0) * fx;
            const bottom = sample(x0, y1) * (1 - fx) + sample(x1, y1) * fx;
            result[y * INPUT_SIZE + x] = top * (1 - fy) + bottom * fy;
        }
    }
    return result;
}

// input [4, 3, 128, 128] NCHW, RGB in [0, 1]
const plane = INPUT_SIZE * INPUT_SIZE;
const inputNchw = new Float32Array(INPUTS.length * 3 * plane);
INPUTS.forEach((files, n) => {
    for (let c = 0; c < 3; ++c)
        inputNchw.set(loadChannel(files.length === 1 ? files[0] : files[c], c), (n * 3 + c) * plane);
});

// The model as shipped, with two changes that leave the layers up to block_13 as they are: the
// input is 128 px instead of 224, and the layers after block_13_project_BN are cut off (the
// head's pooling and Dense layers only fit 224 px). The head's weights are then unused (strict: false).
const { modelJson, weightData } = loadSource(tarball);
const topology = structuredClone(modelJson.modelTopology);
const config = topology.model_config.config;
const cut = config.layers.findIndex((layer) => layer.name === 'block_13_project_BN');
if (cut < 0) die('model.json has no layer block_13_project_BN');
for (const name of LAYERS)
    if (!config.layers.slice(0, cut + 1).some((layer) => layer.name === name)) die(`model.json has no layer ${name} before block_13`);
config.layers = config.layers.slice(0, cut + 1);
if (config.layers[0].class_name !== 'InputLayer') die('the first layer is not the input');
config.layers[0].config.batch_input_shape = [null, INPUT_SIZE, INPUT_SIZE, 3];
config.output_layers = [['block_13_project_BN', 0, 0]];
const handler = tf.io.fromMemory({
    modelTopology: topology,
    weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
});

await tf.setBackend('cpu');
const base = await tf.loadLayersModel(handler, { strict: false });
// strict: false would also skip a backbone weight the loader failed to match: check every one.
const shipped = dequantise(modelJson, weightData);
let loaded = 0;
for (const layer of base.layers)
    for (const weight of layer.weights) {
        const expected = shipped.get(weight.originalName);
        if (!expected) die(`TF.js layer weight ${weight.originalName} is not in the manifest`);
        const actual = weight.read().dataSync();
        if (actual.length !== expected.data.length || actual.some((v, i) => Math.abs(v - expected.data[i]) > 1e-6))
            die(`TF.js loaded ${weight.originalName} differently from the manifest`);
        ++loaded;
    }
console.log(`${loaded} weights loaded by TF.js, all equal to the dequantised manifest`);
const probe = tf.model({ inputs: base.inputs, outputs: LAYERS.map((name) => base.getLayer(name).output) });
const inputNhwc = tf.tensor4d(inputNchw, [INPUTS.length, 3, INPUT_SIZE, INPUT_SIZE]).transpose([0, 2, 3, 1]);
const outputs = probe.predict(inputNhwc);

// NHWC -> NCHW, the layout of the C++ side.
let tensors = [{ name: 'input', shape: [INPUTS.length, 3, INPUT_SIZE, INPUT_SIZE], data: inputNchw }];
LAYERS.forEach((name, i) => {
    const nchw = outputs[i].transpose([0, 3, 1, 2]);
    tensors.push({ name, shape: nchw.shape, data: nchw.dataSync() });
});

// Keep the file small: drop the largest optional activations first.
const total = () => tensors.reduce((sum, t) => sum + 4 * t.data.length, 0);
const optional = tensors.filter((t) => t.name !== 'input' && !REQUIRED.has(t.name)).sort((a, b) => b.data.length - a.data.length);
for (const candidate of optional) {
    if (total() <= MAX_BYTES) break;
    console.log(`dropped ${candidate.name} ${JSON.stringify(candidate.shape)} (${4 * candidate.data.length} bytes)`);
    tensors = tensors.filter((t) => t !== candidate);
}

const bytes = serializeTensorFile(ARCHITECTURE, tensors);
writeAtomically(output, bytes);
for (const t of tensors) console.log(`${t.name} ${JSON.stringify(t.shape)}`);
console.log(`${output}: ${bytes.length} bytes, sha256 ${sha256(bytes)}`);
