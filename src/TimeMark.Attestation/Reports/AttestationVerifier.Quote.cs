// The quote checks: TPM 2.0 Library Part 2 §10.12.12 TPMS_ATTEST, §10.12.8 TPMS_QUOTE_INFO, §11.3.4 TPMT_SIGNATURE;
// Part 1 §17.6 (the PCR digest of a quote); TPMS_CLOCK_INFO.safe (Part 2 §10.11.1).

using System.Globalization;
using System.Security.Cryptography;
using TimeMark.Attestation.Tpm;

namespace TimeMark.Attestation.Reports;

public sealed partial class AttestationVerifier
{
    private CheckResult CheckNonce()
    {
        const string name = AttestationCheck.Nonce;
        if (!_report.Nonce.AsSpan().SequenceEqual(_expected.Nonce))
            return CheckResult.Fail(name, $"the report answers nonce {Short(_report.Nonce)}, not the nonce sent ({Short(_expected.Nonce)})");
        if (_report.Tpm is null)
            return CheckResult.Pass(name, "the report echoes the nonce sent (no quote to check)");
        if (_attest is null)
            return CheckResult.Fail(name, $"the quote does not parse, so its extraData cannot be checked: {_attestError}");
        if (!_attest.ExtraData.AsSpan().SequenceEqual(_expected.Nonce))
            return CheckResult.Fail(name, $"the quote was made for nonce {Short(_attest.ExtraData)}, not the nonce sent ({Short(_expected.Nonce)}): a replayed quote");
        return CheckResult.Pass(name, "the report and the quote's extraData carry the nonce sent");
    }

    private CheckResult CheckQuoteSignature()
    {
        const string name = AttestationCheck.QuoteSignature;
        if (_report.Tpm is not { } tpm)
            return CheckResult.Skip(name, SelfReported);
        if (_quoteSignature is null)
            return CheckResult.Fail(name, $"the quote's signature does not parse: {_quoteSignatureError}");
        if (_ak is null)
            return CheckResult.Fail(name, $"ak_public does not parse: {_akError}");
        if (_expected.AkPem is { } pinned && !IsSamePublicKey(pinned, _ak))
            return CheckResult.Fail(name, "ak_public is not the AK given with --ak");
        if (!_quoteSignature.Verify(_ak, tpm.Quote))
            return CheckResult.Fail(name, _expected.AkPem is null
                ? "the quote's signature does not verify with ak_public"
                : "the quote's signature does not verify with the AK given with --ak");
        return CheckResult.Pass(name, _expected.AkPem is null
            ? $"the quote is signed by ak_public ({Short(_ak.Name)})"
            : $"the quote is signed by the AK given with --ak ({Short(_ak.Name)})");
    }

    private CheckResult CheckQuoteStructure()
    {
        const string name = AttestationCheck.QuoteStructure;
        if (_report.Tpm is null)
            return CheckResult.Skip(name, SelfReported);
        if (_attest is null)
            return CheckResult.Fail(name, _attestError);
        if (_attest.Magic != TpmsAttest.GeneratedValue)
            return CheckResult.Fail(name, $"magic is {_attest.Magic:x8}, not {TpmsAttest.GeneratedValue:x8} (TPM_GENERATED_VALUE)");
        if (_attest.Type != TpmsAttest.AttestQuote)
            return CheckResult.Fail(name, $"type is {_attest.Type:x4}, not {TpmsAttest.AttestQuote:x4} (TPM_ST_ATTEST_QUOTE)");
        if (!_attest.Pcrs.Contains(_report.Pcr))
            return CheckResult.Fail(name, $"the quote covers sha256 PCRs {List(_attest.Pcrs)}, not the application PCR {_report.Pcr}");
        return CheckResult.Pass(name, $"a TPM-generated quote (magic {TpmsAttest.GeneratedValue:x8}, type {TpmsAttest.AttestQuote:x4}) of sha256 PCRs {List(_attest.Pcrs)}");
    }

    private CheckResult CheckPcrDigest()
    {
        const string name = AttestationCheck.PcrDigest;
        if (_report.Tpm is not { } tpm)
            return CheckResult.Skip(name, SelfReported);
        if (_attest is null)
            return CheckResult.Fail(name, $"the quote does not parse: {_attestError}");
        // Every reported value must be a quoted one: a value outside the quote would be the broker's word only.
        if (!tpm.Pcrs.Keys.Order().SequenceEqual(_attest.Pcrs))
            return CheckResult.Fail(name, $"the report gives PCRs {List(tpm.Pcrs.Keys.Order())}, the quote covers {List(_attest.Pcrs)}");
        byte[] digest = PcrValues.Digest(_attest.Pcrs.Select(pcr => (ReadOnlyMemory<byte>)tpm.Pcrs[pcr]));
        return digest.AsSpan().SequenceEqual(_attest.PcrDigest)
            ? CheckResult.Pass(name, $"the reported values of PCRs {List(_attest.Pcrs)} hash to the quote's pcrDigest")
            : CheckResult.Fail(name, $"the reported values of PCRs {List(_attest.Pcrs)} hash to {Short(digest)}, the quote's pcrDigest is {Short(_attest.PcrDigest)}");
    }

    private CheckResult CheckClock()
    {
        const string name = AttestationCheck.Clock;
        if (!AttestationReport.TryParseTime(_report.Time, out DateTimeOffset time))
            return CheckResult.Fail(name, $"the report's time \"{_report.Time}\" is not an RFC 3339 UTC time");
        TimeSpan skew = time - _expected.Now;
        // Rounded first, and a rounded zero made positive, so a few milliseconds either way print as "0.0 s".
        double seconds = Math.Round(skew.TotalSeconds, 1);
        string skewText = $"{(seconds == 0 ? 0 : seconds).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)} s";
        if (skew.Duration() > _expected.MaxClockSkew)
            return CheckResult.Fail(name, $"the report's time {_report.Time} is {skewText} from the verifier's clock, more than the allowed {_expected.MaxClockSkew.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        if (_report.Tpm is not { } tpm)
            return CheckResult.Pass(name, $"the report's time is {skewText} from the verifier's clock; no TPM clock ({SelfReported})");
        if (_attest is null)
            return CheckResult.Fail(name, $"the quote does not parse: {_attestError}");
        // The quote's clock is signed; the reported one is the broker's word, so both must say safe.
        if (!_attest.Clock.Safe || !tpm.Clock.Safe)
            return CheckResult.Fail(name, $"the TPM clock is not safe (it may have gone backwards: the TPM lost power without an orderly shutdown; reset count {_attest.Clock.ResetCount})");
        return CheckResult.Pass(name, $"the TPM clock is safe (reset count {_attest.Clock.ResetCount}, restart count {_attest.Clock.RestartCount}); the report's time is {skewText} from the verifier's clock");
    }

    /// <summary>Whether a "PUBLIC KEY" PEM holds exactly the key of <paramref name="area"/>.</summary>
    private static bool IsSamePublicKey(string pem, TpmPublicArea area)
    {
        if (!PemEncoding.TryFind(pem, out PemFields fields) || pem[fields.Label] is not "PUBLIC KEY")
            return false;
        byte[] der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out int written))
            return false;
        try
        {
            return der.AsSpan(0, written).SequenceEqual(area.ExportSubjectPublicKeyInfo());
        }
        catch (CryptographicException)
        {
            // A public area whose point is not on its curve has no SubjectPublicKeyInfo, and is no pinned key.
            return false;
        }
    }

    private static string List(IEnumerable<int> pcrs) => string.Join(", ", pcrs);
}
