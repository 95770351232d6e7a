#!/usr/bin/env node
// Converts the MobileNetV2 backbone of nsfwjs@4.4.0 (Conv1 .. block_13, no head) into a Lookalike
// tensor file. Node rather than Python: the sources are JS bundles (model.json as a JS object
// literal) and numpy is not a project dependency.
// Usage: node convert_nsfwjs_mobilenetv2.mjs NSFWJS_TARBALL OUT.lkckpt
import { PACKAGE, SOURCES, TARBALL_SHA256, die, dequantise, loadSource, serializeTensorFile, sha256, writeAtomically } from './nsfwjs_source.mjs';

export const LAST_BLOCK = 13;
export const ARCHITECTURE = `keras-mobilenetv2-backbone/1 source=${PACKAGE} last=block_${LAST_BLOCK}`;

// Keras layer names up to the end of block LAST_BLOCK, in network order.
function backboneLayerNames() {
    const names = ['Conv1', 'bn_Conv1', 'expanded_conv_depthwise', 'expanded_conv_depthwise_BN',
                   'expanded_conv_project', 'expanded_conv_project_BN'];
    for (let block = 1; block <= LAST_BLOCK; ++block)
        for (const part of ['expand', 'depthwise', 'project'])
            names.push(`block_${block}_${part}`, `block_${block}_${part}_BN`);
    return names;
}

// Keras HWIO [kh, kw, in, out] -> OIHW [out, in, kh, kw]; depthwise [kh, kw, C, 1] -> [C, 1, kh, kw].
function toOihw({ shape: [kh, kw, inner, outer], data }, depthwise) {
    const [out, inn] = depthwise ? [inner, 1] : [outer, inner];
    const result = new Float32Array(data.length);
    for (let o = 0; o < out; ++o)
        for (let i = 0; i < inn; ++i)
            for (let y = 0; y < kh; ++y)
                for (let x = 0; x < kw; ++x) {
                    const source = depthwise ? ((y * kw + x) * inner + o) : (((y * kw + x) * inner + i) * outer + o);
                    result[((o * inn + i) * kh + y) * kw + x] = data[source];
                }
    return { shape: [out, inn, kh, kw], data: result };
}

export function convert(modelJson, weightData) {
    const weights = dequantise(modelJson, weightData);
    const layers = new Map(modelJson.modelTopology.model_config.config.layers.map((layer) => [layer.name, layer]));
    const used = new Set();
    const take = (name, shapeCheck) => {
        const weight = weights.get(name);
        if (!weight) die(`model.json has no weight ${name}`);
        if (!shapeCheck(weight.shape)) die(`weight ${name} has unexpected shape ${JSON.stringify(weight.shape)}`);
        used.add(name);
        return weight;
    };
    const tensors = [];
    let channels = 3;  // input channels of the next convolution
    for (const name of backboneLayerNames()) {
        const layer = layers.get(name);
        if (!layer) die(`model.json has no layer ${name}`);
        const config = layer.config;
        if (layer.class_name === 'Conv2D') {
            if (config.use_bias || config.activation !== 'linear' || config.data_format !== 'channels_last'
                || config.dilation_rate.some((d) => d !== 1))
                die(`layer ${name}: unexpected Conv2D options ${JSON.stringify(config)}`);
            const kernel = take(`${name}/kernel`, (s) => s.length === 4 && s[2] === channels && s[3] === config.filters);
            tensors.push({ name: `${name}.weight`, ...toOihw(kernel, false) });
            channels = config.filters;
        } else if (layer.class_name === 'DepthwiseConv2D') {
            if (config.use_bias || config.activation !== 'linear' || config.depth_multiplier !== 1
                || config.data_format !== 'channels_last' || config.dilation_rate.some((d) => d !== 1))
                die(`layer ${name}: unexpected DepthwiseConv2D options ${JSON.stringify(config)}`);
            const kernel = take(`${name}/depthwise_kernel`, (s) => s.length === 4 && s[0] === 3 && s[1] === 3 && s[2] === channels && s[3] === 1);
            tensors.push({ name: `${name}.weight`, ...toOihw(kernel, true) });
        } else if (layer.class_name === 'BatchNormalization') {
            if (!config.center || !config.scale || config.epsilon !== 1e-3 || config.axis !== -1)
                die(`layer ${name}: unexpected BatchNormalization options ${JSON.stringify(config)}`);
            const vector = (s) => s.length === 1 && s[0] === channels;
            for (const [keras, lookalike] of [['gamma', 'weight'], ['beta', 'bias'], ['moving_mean', 'running_mean'], ['moving_variance', 'running_var']]) {
                const weight = take(`${name}/${keras}`, vector);
                tensors.push({ name: `${name}.${lookalike}`, shape: weight.shape, data: weight.data });
            }
        } else {
            die(`layer ${name}: unexpected class ${layer.class_name}`);
        }
    }
    // Every weight of the backbone layers must have been mapped; the head's are left out on purpose.
    const backbone = new Set(backboneLayerNames());
    for (const name of weights.keys())
        if (backbone.has(name.split('/')[0]) && !used.has(name)) die(`weight ${name} is not mapped`);
    return tensors;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
    if (process.argv.length !== 4) die('usage: convert_nsfwjs_mobilenetv2.mjs NSFWJS_TARBALL OUT.lkckpt');
    const [tarball, output] = process.argv.slice(2);
    const { modelJson, weightData } = loadSource(tarball);
    const tensors = convert(modelJson, weightData);
    const bytes = serializeTensorFile(ARCHITECTURE, tensors);
    writeAtomically(output, bytes);
    const parameters = tensors.reduce((sum, t) => sum + t.data.length, 0);
    console.log(`tarball sha256 ${TARBALL_SHA256} (ok)`);
    for (const source of Object.values(SOURCES)) console.log(`${source.path} sha256 ${source.sha256} (ok)`);
    console.log(`${output}: ${tensors.length} tensors, ${parameters} values, ${bytes.length} bytes, sha256 ${sha256(bytes)}`);
}
