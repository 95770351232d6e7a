// Reads the MobileNetV2 of the pinned nsfwjs npm tarball and writes Lookalike tensor files.
// Shared by convert_nsfwjs_mobilenetv2.mjs and tfjs_reference.mjs (development time only).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import vm from 'node:vm';

export const PACKAGE = 'nsfwjs@4.4.0';
export const TARBALL_SHA256 = '585cd178f3b994337c4d10a87b080d342fc52f8b9bf0085c4d1f345a3a1c5382';
const MODEL_DIR = 'package/dist/models/mobilenet_v2/';
// The two source files inside the tarball, with their pinned sha256.
export const SOURCES = {
    model: { path: MODEL_DIR + 'model.min.js', sha256: 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a' },
    weights: { path: MODEL_DIR + 'group1-shard1of1.min.js', sha256: 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517' },
};

export function die(message) {
    console.error('error: ' + message);
    process.exit(1);
}

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function checkSha256(what, bytes, expected) {
    const actual = sha256(bytes);
    if (actual !== expected)
        die(`${what}: sha256 ${actual}, expected the pinned ${expected} (wrong or altered file)`);
}

// Minimal ustar reader: returns the named regular files of a .tgz (npm tarballs are plain ustar).
function untar(tgz, wanted) {
    const tar = gunzipSync(tgz);
    const found = {};
    for (let offset = 0; offset + 512 <= tar.length;) {
        const header = tar.subarray(offset, offset + 512);
        if (header.every((b) => b === 0)) break;
        const field = (start, length) => header.subarray(start, start + length).toString('latin1').replace(/\0.*$/s, '');
        const prefix = field(345, 155);
        const name = (prefix ? prefix + '/' : '') + field(0, 100);
        const size = parseInt(field(124, 12).trim() || '0', 8);
        const type = field(156, 1);
        if ((type === '0' || type === '') && wanted.includes(name))
            found[name] = tar.subarray(offset + 512, offset + 512 + size);
        offset += 512 + Math.ceil(size / 512) * 512;
    }
    for (const name of wanted)
        if (!found[name]) die(`the tarball has no ${name}`);
    return found;
}

// Both files are browserify UMD bundles whose module.exports is the payload (the model.json
// object, or the weights .bin as base64). They run in an empty VM context, checksummed first.
function evaluateBundle(what, bytes) {
    const module = { exports: {} };
    try {
        vm.runInNewContext(bytes.toString('utf8'), { module, exports: module.exports }, { timeout: 20000 });
    } catch (error) {
        die(`${what}: cannot evaluate the bundle: ${error.message}`);
    }
    return module.exports;
}

// -> { modelJson, weightData (quantised uint8 bytes of the .bin), files: {path: sha256} }
export function loadSource(tarballPath) {
    const tgz = readFileSync(tarballPath);
    checkSha256(tarballPath, tgz, TARBALL_SHA256);
    const files = untar(tgz, [SOURCES.model.path, SOURCES.weights.path]);
    for (const source of Object.values(SOURCES))
        checkSha256(source.path, files[source.path], source.sha256);
    const modelJson = evaluateBundle(SOURCES.model.path, files[SOURCES.model.path]);
    const base64 = evaluateBundle(SOURCES.weights.path, files[SOURCES.weights.path]);
    if (!modelJson || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest))
        die(`${SOURCES.model.path}: not a TF.js layers model.json`);
    if (typeof base64 !== 'string') die(`${SOURCES.weights.path}: does not export a base64 string`);
    const weightData = Buffer.from(base64, 'base64');
    const expectedBytes = modelJson.weightsManifest
        .flatMap((group) => group.weights)
        .reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
    if (weightData.length !== expectedBytes)
        die(`weights: ${weightData.length} bytes, the manifest's uint8 tensors need ${expectedBytes}`);
    return { modelJson, weightData };
}

// Dequantises every weight (w = min + scale * q) -> Map name -> { shape, data: Float32Array }.
export function dequantise(modelJson, weightData) {
    const weights = new Map();
    let offset = 0;
    for (const group of modelJson.weightsManifest) {
        for (const spec of group.weights) {
            const q = spec.quantization;
            if (spec.dtype !== 'float32' || !q || q.dtype !== 'uint8' || !(q.scale > 0) || !Number.isFinite(q.min))
                die(`weight ${spec.name}: expected float32 quantised to uint8, got ${JSON.stringify(spec)}`);
            const count = spec.shape.reduce((a, b) => a * b, 1);
            const data = new Float32Array(count);
            for (let i = 0; i < count; ++i) data[i] = q.min + q.scale * weightData[offset + i];
            offset += count;
            weights.set(spec.name, { shape: spec.shape, data });
        }
    }
    return weights;
}

// Lookalike tensor file (core/nn/checkpoint.cpp, version 1, little-endian): "LKNNCKPT", u32 version,
// u64 body length (from after this field up to the checksum), u32 + architecture, u32 count,
// per tensor u32 + name, u32 rank, rank x u64 dims, f32 data; then u64 FNV-1a 64 of all bytes before.
const LIMITS = { architecture: 1024, tensors: 4096, name: 256, rank: 8, elements: 2 ** 28 };

export function serializeTensorFile(architecture, tensors) {
    const text = Buffer.from(architecture, 'utf8');
    if (text.length > LIMITS.architecture) die(`architecture of ${text.length} bytes`);
    if (tensors.length > LIMITS.tensors) die(`${tensors.length} tensors`);
    const parts = [];
    const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
    const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
    u32(text.length); parts.push(text);
    u32(tensors.length);
    for (const { name, shape, data } of tensors) {
        const nameBytes = Buffer.from(name, 'utf8');
        const elements = shape.reduce((a, b) => a * b, 1);
        if (nameBytes.length > LIMITS.name || shape.length > LIMITS.rank || elements > LIMITS.elements)
            die(`tensor ${name} ${JSON.stringify(shape)} is beyond the checkpoint limits`);
        if (!(data instanceof Float32Array) || data.length !== elements)
            die(`tensor ${name}: ${data.length} values for shape ${JSON.stringify(shape)}`);
        if (!data.every(Number.isFinite)) die(`tensor ${name} contains NaN or infinity`);
        u32(nameBytes.length); parts.push(nameBytes);
        u32(shape.length); shape.forEach(u64);
        parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));  // host is little-endian
    }
    const body = Buffer.concat(parts);
    const header = Buffer.alloc(20);
    header.write('LKNNCKPT', 0, 'latin1');
    header.writeUInt32LE(1, 8);
    header.writeBigUInt64LE(BigInt(body.length), 12);
    const withoutChecksum = Buffer.concat([header, body]);
    const checksum = Buffer.alloc(8);
    checksum.writeBigUInt64LE(fnv1a64(withoutChecksum));
    return Buffer.concat([withoutChecksum, checksum]);
}

export function fnv1a64(bytes) {
    // 64-bit FNV-1a done in two 32-bit halves: BigInt per byte is too slow for megabytes.
    let high = 0xcbf29ce4, low = 0x84222325;
    for (let i = 0; i < bytes.length; ++i) {
        low ^= bytes[i];
        // (high:low) * 0x100000001b3 = (high:low) * 0x1b3 + (low << 40)
        const lowProduct = (low & 0xffff) * 0x1b3;
        const lowProductHigh = (low >>> 16) * 0x1b3 + (lowProduct >>> 16);
        const newLow = ((lowProductHigh & 0xffff) << 16) | (lowProduct & 0xffff);
        const carry = Math.floor(lowProductHigh / 0x10000);
        high = (Math.imul(high, 0x1b3) + carry + (low << 8)) >>> 0;
        low = newLow >>> 0;
    }
    return (BigInt(high) << 32n) | BigInt(low);
}

// Reads a file written by serializeTensorFile back (checks the length and the checksum).
export function parseTensorFile(bytes) {
    if (bytes.subarray(0, 8).toString('latin1') !== 'LKNNCKPT' || bytes.readUInt32LE(8) !== 1) die('not a version 1 LKNNCKPT file');
    const bodyLength = Number(bytes.readBigUInt64LE(12));
    if (bytes.length !== 20 + bodyLength + 8) die('tensor file length does not match its header');
    if (fnv1a64(bytes.subarray(0, 20 + bodyLength)) !== bytes.readBigUInt64LE(20 + bodyLength)) die('tensor file checksum mismatch');
    let at = 20;
    const u32 = () => { const v = bytes.readUInt32LE(at); at += 4; return v; };
    const text = (n) => { const s = bytes.subarray(at, at + n).toString('utf8'); at += n; return s; };
    const architecture = text(u32());
    const tensors = new Map();
    for (let count = u32(); count > 0; --count) {
        const name = text(u32());
        const shape = [];
        for (let rank = u32(); rank > 0; --rank) { shape.push(Number(bytes.readBigUInt64LE(at))); at += 8; }
        const elements = shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + 4 * elements));
        at += 4 * elements;
        tensors.set(name, { shape, data });
    }
    return { architecture, tensors };
}

// Writes to a temporary name and renames, so a failed run leaves no half file.
export function writeAtomically(path, bytes) {
    const temporary = `${path}.tmp-${process.pid}`;
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
}
