// TPM 2.0 Library Part 1 §18 (command structure: header, handles, authorization area, parameters) and
// Part 2 §10.13.2 TPMS_AUTH_COMMAND.

using System.Buffers.Binary;

namespace TimeMark.Attestation.Tpm;

/// <summary>
/// Builds one TPM command in order: handles, then the authorization area (when the command has sessions),
/// then parameters; <see cref="ToArray"/> fills in the header with the final size.
/// </summary>
internal sealed class TpmCommandWriter
{
    public const ushort NoSessions = 0x8001;
    public const ushort Sessions = 0x8002;

    /// <summary>TPM_RS_PW: the password session, here always with the empty password.</summary>
    public const uint PasswordSession = 0x40000009;

    /// <summary>TPMA_SESSION continueSession: a policy session stays loaded after the command; the caller flushes it.</summary>
    private const byte ContinueSession = 0x01;

    private const int HeaderSize = 10;

    private readonly List<byte> _bytes = [.. new byte[HeaderSize]];
    private readonly ushort _tag;
    private readonly uint _commandCode;

    public TpmCommandWriter(uint commandCode, bool withSessions)
    {
        _commandCode = commandCode;
        _tag = withSessions ? Sessions : NoSessions;
    }

    public TpmCommandWriter U8(byte value)
    {
        _bytes.Add(value);
        return this;
    }

    public TpmCommandWriter U16(ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return Bytes(bytes);
    }

    public TpmCommandWriter U32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return Bytes(bytes);
    }

    public TpmCommandWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>A TPM2B: UINT16 size, then the bytes.</summary>
    public TpmCommandWriter Sized(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"a TPM2B holds at most {ushort.MaxValue} bytes, not {bytes.Length}");
        return U16((ushort)bytes.Length).Bytes(bytes);
    }

    /// <summary>The authorization area: one TPMS_AUTH_COMMAND per session, each with an empty nonce and an empty HMAC/password
    /// (the password session with the empty password, or a policy session whose policy needs no auth value).</summary>
    public TpmCommandWriter Authorizations(params ReadOnlySpan<uint> sessionHandles)
    {
        const int AuthCommandSize = 4 + 2 + 1 + 2;
        U32(checked((uint)(sessionHandles.Length * AuthCommandSize)));
        foreach (uint session in sessionHandles)
            U32(session).U16(0).U8(ContinueSession).U16(0);
        return this;
    }

    /// <summary>A TPML_PCR_SELECTION of the sha256 bank with the given PCRs (3 select bytes, or more for PCRs above 23).</summary>
    public TpmCommandWriter Sha256Selection(IEnumerable<int> pcrs)
    {
        int[] selected = [.. pcrs];
        byte[] select = new byte[Math.Max(3, selected.Length == 0 ? 0 : (selected.Max() / 8) + 1)];
        foreach (int pcr in selected)
            select[pcr / 8] |= (byte)(1 << (pcr % 8));
        return U32(1).U16(TpmAlgorithm.Sha256).U8((byte)select.Length).Bytes(select);
    }

    public byte[] ToArray()
    {
        byte[] command = [.. _bytes];
        BinaryPrimitives.WriteUInt16BigEndian(command, _tag);
        BinaryPrimitives.WriteUInt32BigEndian(command.AsSpan(2), (uint)command.Length);
        BinaryPrimitives.WriteUInt32BigEndian(command.AsSpan(6), _commandCode);
        return command;
    }
}
