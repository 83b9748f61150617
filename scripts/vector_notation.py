"""The compact notation of protocol/vectors (see gen-vectors.py and SPEC.md section 5): the
helpers both vector generators share."""
import msgpack


def pack(value):
    return msgpack.packb(value, use_bin_type=True, use_single_float=False)


def expand(tagged):
    """Tagged JSON value -> Python value."""
    if isinstance(tagged, dict):
        if len(tagged) == 1:
            ((key, arg),) = tagged.items()
            if key == "$bin":
                return bytes.fromhex(arg)
            if key == "$float":
                return float(arg)
            if key == "$repeat_str":
                return arg[0] * arg[1]
            if key == "$repeat_bin":
                return bytes.fromhex(arg[0]) * arg[1]
            if key == "$repeat_array":
                return [expand(arg[0])] * arg[1]
        return {k: expand(v) for k, v in tagged.items()}
    if isinstance(tagged, list):
        return [expand(v) for v in tagged]
    return tagged


def compact_hex(data):
    """Bytes -> hex string, or segments when a long run of one byte makes it big."""
    if len(data) < 512:
        return data.hex()
    segments, i = [], 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == data[i]:
            j += 1
        run = j - i
        if run >= 16:
            segments.append([data[i:j][:1].hex(), run])
            i = j
        else:
            k = i
            # collect bytes until a long run starts
            while k < len(data):
                m = k
                while m < len(data) and data[m] == data[k]:
                    m += 1
                if m - k >= 16:
                    break
                k = m
            segments.append([data[i:k].hex(), 1])
            i = k
    return segments


def vec(name, value, encode=True, hex_override=None):
    data = bytes.fromhex(hex_override) if hex_override else pack(expand(value))
    assert msgpack.unpackb(data, raw=False, strict_map_key=False) == expand(value), name
    return {"name": name, "hex": compact_hex(data), "value": value, "encode": encode}
