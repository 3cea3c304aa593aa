// The key checks: time-mark key (statement signature), AK (TPM 2.0 Part 2 §8.3 TPMA_OBJECT), EK certificate
// (TCG EK Credential Profile), qualified names (Part 1 §16) and credential activation (Part 1 §24, Part 3 §12.5).

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.Credentials;
using TimeMark.Attestation.EkCertificates;
using TimeMark.Attestation.Tpm;
using TimeMark.Protocol.Keys;

namespace TimeMark.Attestation.Reports;

public sealed partial class AttestationVerifier
{
    /// <summary>
    /// What makes a key an attestation key worth believing: created inside a TPM (sensitiveDataOrigin), unable to
    /// leave it (fixedTPM, fixedParent), and restricted, so it signs only what the TPM itself produced (quotes).
    /// </summary>
    private const TpmObjectAttributes RequiredAkAttributes = TpmObjectAttributes.FixedTpm | TpmObjectAttributes.FixedParent
        | TpmObjectAttributes.SensitiveDataOrigin | TpmObjectAttributes.Restricted | TpmObjectAttributes.Sign;

    /// <summary>The credential's size: as long as the AK's name digest, fresh for every verification.</summary>
    private const int CredentialSize = 32;

    private CheckResult CheckReportSignature()
    {
        const string name = AttestationCheck.ReportSignature;
        using VerifyingKey? served = ImportKey(_expected.ServedTimeMarkKeyPem, out string servedError);
        if (served is null)
            return CheckResult.Fail(name, $"the key GET /keys serves does not parse: {servedError}");
        _reportKey = ImportKey(_report.TimeMarkKeyPem, out string reportError);
        if (_reportKey is null)
            return CheckResult.Fail(name, $"timemark_key_pem does not parse: {reportError}");
        if (_reportKey.Id != served.Id)
            return CheckResult.Fail(name, $"the report names time-mark key {_reportKey.Id}, but GET /keys serves {served.Id}");
        if (_report.TimeMarkKeyId != _reportKey.Id.ToFullHex())
            return CheckResult.Fail(name, $"timemark_key_id {Short(_report.TimeMarkKeyId)} is not the SHA-256 of timemark_key_pem ({_reportKey.Id})");
        if (!AttestationStatement.Verify(_report, _reportKey))
            return CheckResult.Fail(name, $"the signature over the statement does not verify with {_reportKey}");
        _reportSigned = true;
        return CheckResult.Pass(name, $"the statement verifies with {_reportKey}, the key GET /keys serves");
    }

    private CheckResult CheckAkAttributes()
    {
        const string name = AttestationCheck.AkAttributes;
        if (_report.Tpm is not { } tpm)
            return CheckResult.Skip(name, SelfReported);
        if (_ak is null)
            return CheckResult.Fail(name, $"ak_public does not parse: {_akError}");
        TpmObjectAttributes missing = RequiredAkAttributes & ~_ak.Attributes;
        if (missing != TpmObjectAttributes.None)
            return CheckResult.Fail(name, $"the AK lacks {missing} (attributes {_ak.Attributes}); an AK must be a restricted signing key that never leaves its TPM");
        if (!tpm.AkName.AsSpan().SequenceEqual(_ak.Name))
            return CheckResult.Fail(name, $"ak_name {Short(tpm.AkName)} is not the name of ak_public ({Short(_ak.Name)})");
        return CheckResult.Pass(name, $"restricted signing key, fixedTPM, fixedParent, sensitiveDataOrigin; name {Short(_ak.Name)}");
    }

    private CheckResult CheckEkCertificate()
    {
        const string name = AttestationCheck.EkCertificate;
        if (_report.Tpm is not { } tpm)
            return CheckResult.Skip(name, SelfReported);
        if (_expected.EkCaCertificates is not { } authorities)
            return CheckResult.Skip(name, "no --ek-ca given");
        if (tpm.EkCertificate is null)
            return CheckResult.Fail(name, "the report carries no EK certificate (the TPM has none at NV index 0x01c00002)");
        try
        {
            _ekCertificate = X509CertificateLoader.LoadCertificate(tpm.EkCertificate);
        }
        catch (CryptographicException e)
        {
            return CheckResult.Fail(name, $"ek_certificate is not a DER X.509 certificate: {e.Message}");
        }
        if (!EkCertificateChain.Check(_ekCertificate, authorities, out string chainDetail))
            return CheckResult.Fail(name, chainDetail);
        if (_ek is null)
            return CheckResult.Fail(name, $"ek_public does not parse: {_ekError}");
        if (!_ek.HasSamePublicKey(_ekCertificate))
            return CheckResult.Fail(name, "ek_public is not the key the EK certificate certifies");
        return CheckResult.Pass(name, $"{chainDetail}; it certifies ek_public");
    }

    private CheckResult CheckQualifiedSigner()
    {
        const string name = AttestationCheck.QualifiedSigner;
        if (_report.Tpm is null)
            return CheckResult.Skip(name, SelfReported);
        if (_attest is null)
            return CheckResult.Fail(name, $"the quote does not parse: {_attestError}");
        if (_ek is null)
            return CheckResult.Fail(name, $"ek_public does not parse: {_ekError}");
        if (_ak is null)
            return CheckResult.Fail(name, $"ak_public does not parse: {_akError}");
        byte[] expected;
        try
        {
            byte[] ek = QualifiedName.Of(QualifiedName.Hierarchy(QualifiedName.EndorsementHierarchy), _ek.Name);
            expected = QualifiedName.Of(ek, _ak.Name);
        }
        catch (ArgumentException e)
        {
            return CheckResult.Fail(name, $"no qualified name for the AK under the EK: {e.Message}");
        }
        return _attest.QualifiedSigner.AsSpan().SequenceEqual(expected)
            ? CheckResult.Pass(name, $"the quote was signed by the AK created under the EK ({Short(expected)})")
            : CheckResult.Fail(name, $"the quote's qualifiedSigner {Short(_attest.QualifiedSigner)} is not the AK created under ek_public ({Short(expected)})");
    }

    private async Task<CheckResult> CheckCredentialActivationAsync(Func<MadeCredential, CancellationToken, Task<byte[]?>> activateCredential,
        CancellationToken cancellationToken)
    {
        const string name = AttestationCheck.CredentialActivation;
        if (_report.Tpm is null)
            return CheckResult.Skip(name, SelfReported);
        if (_expected.EkCaCertificates is null)
            return CheckResult.Skip(name, "no --ek-ca given");
        if (_ekCertificate is null)
            return CheckResult.Fail(name, "no EK certificate to make the credential for (ek-certificate)");
        if (_ak is null)
            return CheckResult.Fail(name, $"ak_public does not parse: {_akError}");
        using RSA? endorsementKey = _ekCertificate.GetRSAPublicKey();
        if (endorsementKey is null)
            return CheckResult.Fail(name, "the EK certificate's key is not RSA; credentials are made for the RSA EK");

        byte[] secret = RandomNumberGenerator.GetBytes(CredentialSize);
        MadeCredential credential;
        try
        {
            // For the certified EK's key, not ek_public: only the TPM holding that key's private part can recover the secret.
            credential = CredentialMaker.Make(endorsementKey, _ak.Name, secret);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return CheckResult.Fail(name, $"cannot make a credential for the EK certificate's key: {e.Message}");
        }
        byte[]? recovered = await activateCredential(credential, cancellationToken).ConfigureAwait(false);
        if (recovered is null)
            return CheckResult.Fail(name, "the broker returned no secret for the credential");
        return CryptographicOperations.FixedTimeEquals(recovered, secret)
            ? CheckResult.Pass(name, "the TPM holding the certified EK released a fresh secret bound to the AK's name")
            : CheckResult.Fail(name, "the broker returned a different secret: the AK is not in the TPM that holds the certified EK");
    }

    private static VerifyingKey? ImportKey(string pem, out string error)
    {
        try
        {
            error = "";
            return VerifyingKey.ImportPem(pem);
        }
        catch (KeyFormatException e)
        {
            error = e.Message;
            return null;
        }
    }
}
