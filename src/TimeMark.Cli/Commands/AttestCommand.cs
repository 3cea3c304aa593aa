using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TimeMark.Attestation.Reports;
using TimeMark.Cli.Attestation;

namespace TimeMark.Cli.Commands;

/// <summary>
/// <c>timemark attest</c>: asks a broker to prove what it runs. Sends a fresh nonce, checks the report with
/// <see cref="AttestationVerifier"/> (with a credential round trip when EK CAs are given), prints one line per check and a verdict.
/// </summary>
internal static class AttestCommand
{
    /// <summary>As long as a SHA-256 digest: as hard to guess as anything the TPM signs.</summary>
    private const int NonceSize = 32;

    public static Command Create()
    {
        var url = new Argument<string>("URL") { Description = "The broker's HTTP API, e.g. http://127.0.0.1:8080/." };
        var expectHash = new Option<string>("--expect-hash")
        {
            Description = "The binary_hash of the build you expect (64 hex digits, as ./build.sh publish prints it and GET /build reports it).",
            HelpName = "HASH",
            Required = true,
        };
        var ekCa = new Option<string?>("--ek-ca")
        {
            Description = "PEM file of the CA certificates (root and intermediates) that issue EK certificates: ties the AK to a certified TPM " +
                "(EK certificate chain and a credential activation round trip).",
            HelpName = "FILE",
        };
        var ak = new Option<string?>("--ak")
        {
            Description = "The AK's public key (PEM) you trusted before: the quote must be signed by exactly this key.",
            HelpName = "FILE",
        };
        var expectConfig = new Option<string?>("--expect-config")
        {
            Description = "The config_hash you expect (64 hex digits): the broker must run exactly this configuration.",
            HelpName = "HASH",
        };
        var allowUnattested = new Option<bool>("--allow-unattested")
        {
            Description = "Accept a self-reported report (no TPM evidence) when every other check passes.",
        };
        var maxClockSkew = new Option<double>("--max-clock-skew")
        {
            Description = "How far the report's time may be from this machine's clock.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => AttestationExpectations.DefaultMaxClockSkew.TotalSeconds,
        };
        maxClockSkew.Validators.Add(result =>
        {
            double seconds = result.GetValueOrDefault<double>();
            if (!double.IsFinite(seconds) || seconds < 0)
                result.AddError($"--max-clock-skew {seconds.ToString(CultureInfo.InvariantCulture)} must be a number of seconds, 0 or more");
        });

        var command = new Command("attest",
            "Check that a broker runs the expected build and configuration, measured into its TPM, and that its time-mark key is the measured one: " +
            "sends a fresh nonce to GET URL/attestation, checks the TPM quote, event log, signatures and certificates, " +
            "and prints PASS, FAIL or SKIP per check and a verdict. " +
            "Exit 0 when attested, 1 when a check failed or the evidence is not enough, 2 on a usage error or an unreachable broker.")
        {
            url, expectHash, ekCa, ak, expectConfig, allowUnattested, maxClockSkew,
        };
        command.SetAction((parseResult, cancellationToken) => ActionRunner.RunAsync(parseResult, async output =>
        {
            Uri broker = ParseUrl(parseResult.GetValue(url)!);
            string binaryHash = ParseHash("--expect-hash", parseResult.GetValue(expectHash)!);
            string? configHash = parseResult.GetValue(expectConfig) is string config ? ParseHash("--expect-config", config) : null;
            X509Certificate2Collection? authorities = parseResult.GetValue(ekCa) is string caFile ? ReadCertificates(caFile) : null;
            string? akPem = parseResult.GetValue(ak) is string akFile ? ReadPublicKeyPem(akFile) : null;

            using var client = new BrokerAttestationClient(broker);
            byte[] nonce = RandomNumberGenerator.GetBytes(NonceSize);
            string servedKey = await client.FetchTimeMarkKeyPemAsync(cancellationToken).ConfigureAwait(false);
            byte[] report = await client.FetchReportAsync(nonce, cancellationToken).ConfigureAwait(false);
            var expected = new AttestationExpectations
            {
                Nonce = nonce,
                ServedTimeMarkKeyPem = servedKey,
                BinaryHash = binaryHash,
                ConfigHash = configHash,
                EkCaCertificates = authorities,
                AkPem = akPem,
                AllowUnattested = parseResult.GetValue(allowUnattested),
                MaxClockSkew = TimeSpan.FromSeconds(parseResult.GetValue(maxClockSkew)),
                Now = DateTimeOffset.UtcNow,
            };
            AttestationVerdict verdict = await AttestationVerifier.VerifyAsync(report, expected, client.ActivateCredentialAsync, cancellationToken)
                .ConfigureAwait(false);

            foreach (CheckResult check in verdict.Checks)
                await output.WriteLineAsync(check.ToString()).ConfigureAwait(false);
            if (client.CredentialFailure is { } failure)
                await output.WriteLineAsync($"note: {failure}").ConfigureAwait(false);
            await output.WriteLineAsync(verdict.ToString()).ConfigureAwait(false);
            return verdict.Attested ? ExitCodes.Ok : ExitCodes.CheckFailed;
        }));
        return command;
    }

    private static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            throw new InputException($"URL \"{text}\" is not an absolute http:// or https:// URL");
        return uri;
    }

    /// <summary>A SHA-256 in hex, either case; the report uses lowercase.</summary>
    private static string ParseHash(string option, string text)
    {
        if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
            throw new InputException($"{option} \"{text}\" is not a SHA-256 (64 hex digits)");
        return text.ToLowerInvariant();
    }

    private static X509Certificate2Collection ReadCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (CryptographicException e)
        {
            throw new InputException($"{path}: not a PEM file of certificates: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(Errors.CannotRead(path, e), e);
        }
        if (certificates.Count == 0)
            throw new InputException($"{path}: holds no CERTIFICATE block");
        return certificates;
    }

    private static string ReadPublicKeyPem(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(Errors.CannotRead(path, e), e);
        }
        if (!PemEncoding.TryFind(text, out PemFields fields) || text[fields.Label] != "PUBLIC KEY")
            throw new InputException($"{path}: holds no \"PUBLIC KEY\" PEM block (tpm2_readpublic -f pem writes one)");
        return text;
    }
}
