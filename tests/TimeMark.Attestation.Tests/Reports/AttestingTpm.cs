using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using TimeMark.Attestation.Credentials;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Reports;
using TimeMark.Attestation.Tpm;
using TimeMark.Tests.Shared;

namespace TimeMark.Attestation.Tests.Reports;

/// <summary>
/// A real TPM (swtpm with an AK) driven by tpm2-tools the way a broker would use its own: measure a launch into
/// PCR 23, quote it over a nonce, hand out the AK, EK and EK certificate, and activate credentials. tpm2-tools and
/// not TimeMark's TPM client make the evidence, so the verifier is checked against an independent producer.
/// </summary>
internal sealed partial class AttestingTpm : IAsyncDisposable
{
    public const int Pcr = 23;

    private readonly Swtpm _tpm;
    private int _files;

    private AttestingTpm(Swtpm tpm, byte[] akPublic, byte[] akName, byte[] ekPublic, byte[] ekCertificate)
    {
        _tpm = tpm;
        AkPublic = akPublic;
        AkName = akName;
        EkPublic = ekPublic;
        EkCertificate = ekCertificate;
    }

    /// <summary>The AK's TPMT_PUBLIC.</summary>
    public byte[] AkPublic { get; }

    public byte[] AkName { get; }

    /// <summary>The RSA EK's TPMT_PUBLIC.</summary>
    public byte[] EkPublic { get; }

    /// <summary>The RSA EK's certificate (DER), issued by this TPM's own local CA.</summary>
    public byte[] EkCertificate { get; }

    /// <summary>The root and intermediate of the CA that issued <see cref="EkCertificate"/>.</summary>
    public X509Certificate2Collection EkCa
    {
        get
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(_tpm.EkCaFile);
            return certificates;
        }
    }

    /// <summary>The AK's public key as <c>tpm2_readpublic -f pem</c> writes it (what an operator pins with --ak).</summary>
    public string AkPem { get; private set; } = "";

    public static async Task<AttestingTpm> StartAsync()
    {
        Swtpm tpm = await Swtpm.StartAsync(provisionAk: true);
        try
        {
            string ak = Path.Combine(tpm.Root, "ak.pub"), akName = Path.Combine(tpm.Root, "ak.name"), akPem = Path.Combine(tpm.Root, "ak.pem");
            string ek = Path.Combine(tpm.Root, "ek.pub"), ekCertificate = Path.Combine(tpm.Root, "ek.der");
            await tpm.ToolAsync("tpm2_readpublic", "-c", Hex(Swtpm.AkHandle), "-f", "tss", "-o", ak, "-n", akName);
            await tpm.ToolAsync("tpm2_readpublic", "-c", Hex(Swtpm.AkHandle), "-f", "pem", "-o", akPem);
            await tpm.ToolAsync("tpm2_readpublic", "-c", Hex(Swtpm.RsaEkHandle), "-f", "tss", "-o", ek);
            await tpm.ToolAsync("tpm2_nvread", Hex(Swtpm.RsaEkCertificateIndex), "-C", "o", "-o", ekCertificate);
            return new AttestingTpm(tpm, PublicArea(await File.ReadAllBytesAsync(ak)), await File.ReadAllBytesAsync(akName),
                PublicArea(await File.ReadAllBytesAsync(ek)), await File.ReadAllBytesAsync(ekCertificate))
            {
                AkPem = await File.ReadAllTextAsync(akPem),
            };
        }
        catch
        {
            await tpm.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the launch afresh (PCR 23 reset) and extends each event, as <c>timemark measure</c> does; returns the event log.</summary>
    public async Task<string> MeasureAsync(IEnumerable<MeasurementEvent> events)
    {
        await _tpm.ToolAsync("tpm2_pcrreset", Pcr.ToString(CultureInfo.InvariantCulture));
        string log = "";
        foreach (MeasurementEvent e in events)
        {
            await _tpm.ToolAsync("tpm2_pcrextend", $"{e.Pcr}:sha256={Convert.ToHexStringLower(e.Digest)}");
            log += EventLog.Format(e);
        }
        return log;
    }

    /// <summary>tpm2_quote of PCR 23 over <paramref name="nonce"/> with the AK, the PCR values read right after, the AK, EK and certificate.</summary>
    public async Task<TpmEvidence> QuoteAsync(byte[] nonce)
    {
        string message = NewFile("msg"), signature = NewFile("sig");
        await _tpm.ToolAsync("tpm2_quote", "-c", Hex(Swtpm.AkHandle), "-l", $"sha256:{Pcr}", "-q", Convert.ToHexStringLower(nonce),
            "-m", message, "-s", signature, "-g", "sha256");
        byte[] attest = await File.ReadAllBytesAsync(message);
        Assert.True(TpmsAttest.TryParse(attest, out TpmsAttest? parsed, out string error), error);
        return new TpmEvidence
        {
            Quote = attest,
            Signature = await File.ReadAllBytesAsync(signature),
            Pcrs = new Dictionary<int, byte[]> { [Pcr] = await ReadPcrAsync(Pcr) },
            AkPublic = AkPublic,
            AkName = AkName,
            EkPublic = EkPublic,
            EkCertificate = EkCertificate,
            Clock = parsed.Clock,
        };
    }

    /// <summary>tpm2_activatecredential with the AK and the EK (PolicySecret(TPM_RH_ENDORSEMENT) session); null when the TPM refuses.</summary>
    public async Task<byte[]?> ActivateAsync(MadeCredential credential, CancellationToken cancellationToken)
    {
        string blob = NewFile("cred"), session = NewFile("session"), output = NewFile("secret");
        await File.WriteAllBytesAsync(blob, credential.ToTpm2ToolsFile(), cancellationToken);
        await _tpm.ToolAsync("tpm2_startauthsession", "--policy-session", "-S", session);
        try
        {
            await _tpm.ToolAsync("tpm2_policysecret", "-S", session, "-c", "e");
            await _tpm.ToolAsync("tpm2_activatecredential", "-c", Hex(Swtpm.AkHandle), "-C", Hex(Swtpm.RsaEkHandle),
                "-i", blob, "-o", output, "-P", $"session:{session}");
            return await File.ReadAllBytesAsync(output, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        finally
        {
            await _tpm.ToolAsync("tpm2_flushcontext", session);
        }
    }

    /// <summary>Power loss: swtpm killed without TPM2_Shutdown, then started again; its clock is no longer "safe".</summary>
    public async Task PowerCycleWithoutShutdownAsync()
    {
        _tpm.Kill();
        await _tpm.RestartAsync();
    }

    public ValueTask DisposeAsync() => _tpm.DisposeAsync();

    private async Task<byte[]> ReadPcrAsync(int pcr)
    {
        string output = await _tpm.ToolAsync("tpm2_pcrread", $"sha256:{pcr}");
        Match value = PcrLine().Match(output);
        Assert.True(value.Success, output);
        return Convert.FromHexString(value.Groups[1].Value);
    }

    /// <summary>tpm2-tools' "tss" format is a TPM2B_PUBLIC: the TPMT_PUBLIC after a 2-byte size.</summary>
    private static byte[] PublicArea(byte[] tpm2bPublic)
    {
        Assert.Equal(tpm2bPublic.Length - 2, (tpm2bPublic[0] << 8) | tpm2bPublic[1]);
        return tpm2bPublic[2..];
    }

    private string NewFile(string suffix) => Path.Combine(_tpm.Root, $"r{Interlocked.Increment(ref _files)}.{suffix}");

    private static string Hex(uint handle) => $"0x{handle:x8}";

    [GeneratedRegex(@":\s*0x([0-9A-Fa-f]{64})")]
    private static partial Regex PcrLine();
}
