// TPM 2.0 Library Part 1 §18 (canonical marshaling): integers big-endian, TPM2B = UINT16 size || bytes.

using System.Buffers.Binary;

namespace TimeMark.Attestation.Tpm;

/// <summary>
/// Reads TPM structures from untrusted bytes without throwing: every read either succeeds and advances,
/// or fails, leaves the position where it was and records which field was short at which offset.
/// Used by the structure parsers and by <see cref="TpmClient"/> for response parameters.
/// </summary>
internal ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _bytes;
    private readonly string _structure;

    public TpmReader(ReadOnlySpan<byte> bytes, string structure)
    {
        _bytes = bytes;
        _structure = structure;
        Offset = 0;
        Error = "";
    }

    public int Offset { get; private set; }

    /// <summary>Why the last failed read failed: "TPMS_ATTEST: extraData truncated at offset 40".</summary>
    public string Error { get; private set; }

    public readonly int Remaining => _bytes.Length - Offset;

    public bool U8(string field, out byte value)
    {
        value = 0;
        if (!Bytes(field, 1, out ReadOnlySpan<byte> bytes))
            return false;
        value = bytes[0];
        return true;
    }

    public bool U16(string field, out ushort value)
    {
        value = 0;
        if (!Bytes(field, 2, out ReadOnlySpan<byte> bytes))
            return false;
        value = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        return true;
    }

    public bool U32(string field, out uint value)
    {
        value = 0;
        if (!Bytes(field, 4, out ReadOnlySpan<byte> bytes))
            return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return true;
    }

    public bool U64(string field, out ulong value)
    {
        value = 0;
        if (!Bytes(field, 8, out ReadOnlySpan<byte> bytes))
            return false;
        value = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        return true;
    }

    public bool Bytes(string field, int count, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (count > Remaining)
            return Fail(field, "truncated");
        value = _bytes.Slice(Offset, count);
        Offset += count;
        return true;
    }

    /// <summary>A TPM2B: UINT16 size, then that many bytes; the size prefix is consumed only when the whole buffer is there.</summary>
    public bool Sized(string field, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (Remaining < 2)
            return Fail(field, "truncated");
        int size = BinaryPrimitives.ReadUInt16BigEndian(_bytes[Offset..]);
        if (size > Remaining - 2)
            return Fail(field, $"size {size} runs past the end");
        value = _bytes.Slice(Offset + 2, size);
        Offset += 2 + size;
        return true;
    }

    /// <summary>The rest of the buffer, which is then consumed.</summary>
    public ReadOnlySpan<byte> Rest()
    {
        ReadOnlySpan<byte> rest = _bytes[Offset..];
        Offset = _bytes.Length;
        return rest;
    }

    /// <summary>True when every byte was consumed; otherwise records the trailing bytes as the error.</summary>
    public bool End()
    {
        if (Remaining == 0)
            return true;
        Error = $"{_structure}: {Remaining} trailing bytes at offset {Offset}";
        return false;
    }

    /// <summary>Records "STRUCTURE: FIELD WHY at offset N" and returns false, for use as <c>return reader.Fail(…)</c>.</summary>
    public bool Fail(string field, string why)
    {
        Error = $"{_structure}: {field} {why} at offset {Offset}";
        return false;
    }
}
