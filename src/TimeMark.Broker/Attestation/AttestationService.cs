using Microsoft.Extensions.Logging;
using TimeMark.Attestation;
using TimeMark.Attestation.Events;
using TimeMark.Attestation.Launch;
using TimeMark.Attestation.Reports;
using TimeMark.Attestation.Tpm;
using TimeMark.Broker.Hosting;
using TimeMark.Protocol.Keys;

namespace TimeMark.Broker.Attestation;

/// <summary>
/// The broker's side of remote attestation (docs/attestation.md): at start it extends the hash of its
/// time-mark key into the application PCR; on request it answers a verifier's nonce with a report that
/// the time-mark key signs, carrying a TPM quote when a TPM is configured and answers, and it performs the
/// credential activation that ties the attestation key to the certified endorsement key.
/// </summary>
/// <remarks>
/// A TPM failure never stops the broker: marking goes on, and the report says what failed. Every TPM
/// conversation is serialised, because swtpm, and a TPM without a resource manager, serve one connection
/// at a time and hold only a few loaded objects.
/// </remarks>
public sealed partial class AttestationService : IDisposable
{
    /// <summary>A quote and the PCR reads after it can disagree when IMA extends PCR 10 in between; then the pair is taken again.</summary>
    private const int QuoteAttempts = 3;

    private const int ImaPcr = 10;

    private readonly AttestationOptions _options;
    private readonly TpmTarget? _target;
    private readonly string _eventLogPath;
    private readonly EffectiveConfiguration _configuration;
    private readonly SigningKey _timeMarkKey;
    private readonly BuildMeasurement _build;
    private readonly TimeProvider _time;
    private readonly ILogger<AttestationService> _logger;
    private readonly SemaphoreSlim _tpmTurn = new(1, 1);

    // Guarded by _tpmTurn.
    private bool _keyMeasured;
    private byte[]? _ekCertificate;

    public AttestationService(AttestationOptions options, string dataDirectory, EffectiveConfiguration configuration, SigningKey timeMarkKey,
        BuildMeasurement build, TimeProvider time, ILogger<AttestationService> logger)
    {
        _options = options;
        _target = options.IsEnabled ? TpmTarget.Parse(options.Tpm) : null;
        _eventLogPath = options.EventLogPath(dataDirectory);
        _configuration = configuration;
        _timeMarkKey = timeMarkKey;
        _build = build;
        _time = time;
        _logger = logger;
    }

    /// <summary>Whether a TPM is configured (it may still be unreachable).</summary>
    public bool HasTpm => _target is not null;

    /// <summary>Extends the time-mark key's hash into the application PCR; a TPM failure is logged and retried on the next report.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_target is null)
        {
            LogNoTpm(_logger);
            return;
        }
        await _tpmTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using TpmClient tpm = await TpmClient.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
            await MeasureKeyAsync(tpm, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TpmException or IOException or UnauthorizedAccessException)
        {
            LogTpmFailed(_logger, _target, e.Message);
        }
        finally
        {
            _tpmTurn.Release();
        }
    }

    /// <summary>The signed report for <paramref name="nonce"/>; with TPM evidence when the TPM answered, otherwise saying why not.</summary>
    public async Task<AttestationReport> ReportAsync(byte[] nonce, CancellationToken cancellationToken)
    {
        TpmEvidence? evidence = null;
        string? tpmError = null;
        string? imaLog = null;
        string eventLog;
        await _tpmTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_target is not null)
            {
                try
                {
                    await using TpmClient tpm = await TpmClient.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
                    if (!_keyMeasured)
                        await MeasureKeyAsync(tpm, cancellationToken).ConfigureAwait(false);
                    (evidence, imaLog) = await QuoteAsync(tpm, nonce, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is TpmException or IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    tpmError = $"the TPM at {_target} failed: {e.Message}";
                    LogTpmFailed(_logger, _target, e.Message);
                }
            }
            eventLog = File.Exists(_eventLogPath) ? await File.ReadAllTextAsync(_eventLogPath, cancellationToken).ConfigureAwait(false) : "";
        }
        finally
        {
            _tpmTurn.Release();
        }

        var report = new AttestationReport
        {
            Attested = evidence is not null,
            Nonce = nonce,
            Time = AttestationReport.FormatTime(_time.GetUtcNow()),
            Build = new ReportBuild
            {
                BinaryHash = _build.BinaryHash,
                SourceCommit = _build.IsVerified ? _build.Manifest!.SourceCommit : BrokerService.SourceCommit(),
                BuildDate = _build.IsVerified ? _build.Manifest!.BuildDate : null,
                Verified = _build.IsVerified,
                Status = _build.Detail,
            },
            Config = _configuration.Text,
            ConfigHash = _configuration.Hash,
            TimeMarkKeyPem = _timeMarkKey.PublicKey.ExportPem(),
            TimeMarkKeyId = _timeMarkKey.PublicKey.Id.ToFullHex(),
            Pcr = _options.Pcr,
            EventLog = eventLog,
            ImaLog = imaLog,
            Tpm = evidence,
            TpmError = tpmError,
        };
        return AttestationStatement.Sign(report, _timeMarkKey);
    }

    /// <summary>TPM2_ActivateCredential with the attestation key and the endorsement key: the verifier's secret, if the credential was made for them.</summary>
    /// <exception cref="InvalidOperationException">No TPM is configured.</exception>
    /// <exception cref="TpmException">The TPM refused the credential (<see cref="TpmException.ResponseCode"/> set) or could not be reached.</exception>
    public async Task<byte[]> ActivateCredentialAsync(byte[] idObject, byte[] encryptedSecret, CancellationToken cancellationToken)
    {
        if (_target is null)
            throw new InvalidOperationException("this broker has no TPM (Attestation:Tpm is not set)");
        await _tpmTurn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using TpmClient tpm = await TpmClient.ConnectAsync(_target, cancellationToken).ConfigureAwait(false);
            return await tpm.ActivateCredentialAsync(_options.AkHandle, _options.EkHandle, idObject, encryptedSecret, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _tpmTurn.Release();
        }
    }

    public void Dispose() => _tpmTurn.Dispose();

    private async Task MeasureKeyAsync(TpmClient tpm, CancellationToken cancellationToken)
    {
        ReplayCheck launch = await MeasuredLaunch.CheckAsync(tpm, _options.Pcr, _eventLogPath, cancellationToken).ConfigureAwait(false);
        if (!launch.Matches)
            LogLaunchNotMeasured(_logger, _options.Pcr, launch.Detail);
        KeyId key = _timeMarkKey.PublicKey.Id;
        await MeasuredLaunch.RecordAsync(tpm, _eventLogPath,
            new MeasurementEvent(_options.Pcr, key.Hash.ToArray(), MeasurementKind.TimeMarkKey, $"time-mark key {key.ToFullHex()}"),
            cancellationToken).ConfigureAwait(false);
        _keyMeasured = true;
        LogKeyMeasured(_logger, key, _options.Pcr, _target!);
    }

    private async Task<(TpmEvidence Evidence, string? ImaLog)> QuoteAsync(TpmClient tpm, byte[] nonce, CancellationToken cancellationToken)
    {
        bool withIma = _options.ImaLog.Length > 0;
        int[] pcrs = withIma && _options.Pcr != ImaPcr ? [ImaPcr, _options.Pcr] : [_options.Pcr];
        Array.Sort(pcrs);
        TpmPublicArea ak = await tpm.ReadPublicAsync(_options.AkHandle, cancellationToken).ConfigureAwait(false);
        TpmPublicArea ek = await tpm.ReadPublicAsync(_options.EkHandle, cancellationToken).ConfigureAwait(false);
        if (_ekCertificate is null && _options.EkCertificateIndex != 0)
            _ekCertificate = await tpm.NvReadAsync(_options.EkCertificateIndex, cancellationToken).ConfigureAwait(false);

        for (int attempt = 1; ; attempt++)
        {
            string? imaLog = withIma ? await File.ReadAllTextAsync(_options.ImaLog, cancellationToken).ConfigureAwait(false) : null;
            TpmQuote quote = await tpm.QuoteAsync(_options.AkHandle, nonce, pcrs, cancellationToken).ConfigureAwait(false);
            IReadOnlyDictionary<int, byte[]> values = await tpm.PcrReadAsync(pcrs, cancellationToken).ConfigureAwait(false);
            if (!TpmsAttest.TryParse(quote.Attest, out TpmsAttest? attest, out string error))
                throw new InvalidDataException($"the TPM's quote does not parse: {error}");
            bool stable = PcrValues.Digest(pcrs.Select(p => (ReadOnlyMemory<byte>)values[p])).AsSpan().SequenceEqual(attest.PcrDigest)
                && (imaLog is null || ImaReplaysTo(imaLog, values[ImaPcr]));
            if (stable || attempt == QuoteAttempts)
            {
                var evidence = new TpmEvidence
                {
                    Quote = quote.Attest,
                    Signature = quote.Signature,
                    Pcrs = values,
                    AkPublic = ak.Bytes,
                    AkName = ak.Name,
                    EkPublic = ek.Bytes,
                    EkCertificate = _ekCertificate,
                    Clock = attest.Clock,
                };
                return (evidence, imaLog);
            }
        }
    }

    private static bool ImaReplaysTo(string imaLog, byte[] pcr10) =>
        ImaLog.TryParse(imaLog, out IReadOnlyList<ImaEntry> entries, out _) && ImaLog.Replay(entries).AsSpan().SequenceEqual(pcr10);

    [LoggerMessage(Level = LogLevel.Information, Message = "No TPM configured: GET /attestation answers self-reported, signed by the time-mark key only")]
    private static partial void LogNoTpm(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Time-mark key {KeyId} extended into PCR {Pcr} of {Tpm}")]
    private static partial void LogKeyMeasured(ILogger logger, KeyId keyId, int pcr, TpmTarget tpm);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Launch not measured: before the time-mark key, PCR {Pcr} does not match the event log ({Detail}); run timemark measure before serve. Attestation will fail until it does")]
    private static partial void LogLaunchNotMeasured(ILogger logger, int pcr, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "TPM {Tpm} failed: {Reason}. Marking goes on; attestation reports the fault")]
    private static partial void LogTpmFailed(ILogger logger, TpmTarget tpm, string reason);
}
