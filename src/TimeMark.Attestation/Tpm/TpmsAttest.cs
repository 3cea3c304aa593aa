// TPM 2.0 Library Part 2 §10.12.12 TPMS_ATTEST with §10.12.4 TPMS_QUOTE_INFO (the body of TPM_ST_ATTEST_QUOTE),
// §10.11.1 TPMS_CLOCK_INFO and §10.6.2 TPML_PCR_SELECTION.

using System.Diagnostics.CodeAnalysis;

namespace TimeMark.Attestation.Tpm;

/// <summary>The signed body of a TPM2_Quote over sha256-bank PCRs.</summary>
public sealed class TpmsAttest
{
    /// <summary>TPM_GENERATED_VALUE: the structure was made by a TPM ("\xffTCG").</summary>
    public const uint GeneratedValue = 0xff544347;

    /// <summary>TPM_ST_ATTEST_QUOTE.</summary>
    public const ushort AttestQuote = 0x8018;

    /// <summary>Selections longer than this (256 PCRs) are not from a real TPM.</summary>
    private const int MaxSelectBytes = 32;

    private TpmsAttest(uint magic, ushort type, byte[] qualifiedSigner, byte[] extraData, TpmClockInfo clock, ulong firmwareVersion,
        IReadOnlyList<int> pcrs, byte[] pcrDigest)
    {
        Magic = magic;
        Type = type;
        QualifiedSigner = qualifiedSigner;
        ExtraData = extraData;
        Clock = clock;
        FirmwareVersion = firmwareVersion;
        Pcrs = pcrs;
        PcrDigest = pcrDigest;
    }

    public uint Magic { get; }

    public ushort Type { get; }

    /// <summary>The signing key's qualified name (<see cref="QualifiedName"/>).</summary>
    public byte[] QualifiedSigner { get; }

    /// <summary>The caller's qualifyingData: the verifier's nonce.</summary>
    public byte[] ExtraData { get; }

    public TpmClockInfo Clock { get; }

    public ulong FirmwareVersion { get; }

    /// <summary>The quoted sha256-bank PCRs, ascending.</summary>
    public IReadOnlyList<int> Pcrs { get; }

    /// <summary>The hash of the quoted PCR values concatenated in ascending order (<see cref="PcrValues.Digest"/>).</summary>
    public byte[] PcrDigest { get; }

    public static bool TryParse(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out TpmsAttest? attest, out string error)
    {
        attest = null;
        var reader = new TpmReader(bytes, "TPMS_ATTEST");
        bool ok = TryRead(ref reader, out attest);
        error = ok ? "" : reader.Error;
        return ok;
    }

    private static bool TryRead(ref TpmReader reader, [NotNullWhen(true)] out TpmsAttest? attest)
    {
        attest = null;
        if (!reader.U32("magic", out uint magic))
            return false;
        if (magic != GeneratedValue)
            return reader.Fail("magic", $"is 0x{magic:x8}, not TPM_GENERATED_VALUE 0xff544347");
        if (!reader.U16("type", out ushort type))
            return false;
        if (type != AttestQuote)
            return reader.Fail("type", $"is 0x{type:x4}, not TPM_ST_ATTEST_QUOTE 0x8018");
        if (!reader.Sized("qualifiedSigner", out ReadOnlySpan<byte> qualifiedSigner)
            || !reader.Sized("extraData", out ReadOnlySpan<byte> extraData)
            || !reader.U64("clockInfo.clock", out ulong clock)
            || !reader.U32("clockInfo.resetCount", out uint resetCount)
            || !reader.U32("clockInfo.restartCount", out uint restartCount)
            || !reader.U8("clockInfo.safe", out byte safe))
            return false;
        if (safe > 1)
            return reader.Fail("clockInfo.safe", $"is {safe}, not a TPMI_YES_NO");
        if (!reader.U64("firmwareVersion", out ulong firmwareVersion)
            || !TryReadSha256Selection(ref reader, out List<int>? pcrs)
            || !reader.Sized("pcrDigest", out ReadOnlySpan<byte> pcrDigest)
            || !reader.End())
            return false;
        attest = new TpmsAttest(magic, type, qualifiedSigner.ToArray(), extraData.ToArray(),
            new TpmClockInfo(clock, resetCount, restartCount, safe == 1), firmwareVersion, pcrs, pcrDigest.ToArray());
        return true;
    }

    /// <summary>A TPML_PCR_SELECTION that selects PCRs of the sha256 bank only, at most one entry for it.</summary>
    internal static bool TryReadSha256Selection(ref TpmReader reader, [NotNullWhen(true)] out List<int>? pcrs)
    {
        pcrs = null;
        if (!reader.U32("pcrSelect.count", out uint count))
            return false;
        var selected = new List<int>();
        bool seenSha256 = false;
        for (uint i = 0; i < count; i++)
        {
            if (!reader.U16("pcrSelect.hash", out ushort hash) || !reader.U8("pcrSelect.sizeofSelect", out byte size))
                return false;
            if (size > MaxSelectBytes)
                return reader.Fail("pcrSelect.sizeofSelect", $"is {size}, more than {MaxSelectBytes}");
            if (!reader.Bytes("pcrSelect.pcrSelect", size, out ReadOnlySpan<byte> select))
                return false;
            if (hash != TpmAlgorithm.Sha256)
                return reader.Fail("pcrSelect.hash", $"selects bank 0x{hash:x4}; only sha256 (0x000b) is accepted");
            if (seenSha256)
                return reader.Fail("pcrSelect.hash", "selects the sha256 bank twice");
            seenSha256 = true;
            for (int pcr = 0; pcr < size * 8; pcr++)
            {
                if ((select[pcr / 8] & (1 << (pcr % 8))) != 0)
                    selected.Add(pcr);
            }
        }
        pcrs = selected;
        return true;
    }
}
