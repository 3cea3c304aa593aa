// TPM 2.0 Library Part 3 (rev 1.59) commands: §22.2 PCR_Extend, §22.4 PCR_Read, §22.8 PCR_Reset, §18.4 Quote,
// §12.4 ReadPublic, §12.5 ActivateCredential, §11.1 StartAuthSession, §23.4 PolicySecret, §28.4 FlushContext,
// §9.4 Shutdown, §29.2 ReadClock, §31.6 NV_ReadPublic, §31.13 NV_Read. Commands are marshaled by hand.

using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace TimeMark.Attestation.Tpm;

/// <summary>
/// One connection to a TPM and the commands TimeMark needs. swtpm serves one connection at a time, so connect,
/// run a few commands and dispose. Every failure — unreachable, no answer within the timeout, a garbled answer or an
/// error response code — is a <see cref="TpmException"/> naming the command and the TPM. After a transport failure
/// the connection is unusable and every further command fails at once.
/// </summary>
public sealed class TpmClient : IAsyncDisposable
{
    /// <summary>A TPM answers in well under a second (RSA key generation, the slowest, is not used here); swtpm on a busy CI machine
    /// gets ten times that. Past it the TPM is treated as gone rather than letting a caller hang.</summary>
    public static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(10);

    private const int HighestPcr = 23;

    /// <summary>TPM_RC_RETRY and friends mean "busy, send it again"; this many tries, a little apart, before giving up.</summary>
    private const int MaxAttempts = 20;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>NV reads go in chunks this size: below every TPM's TPM_PT_NV_BUFFER_MAX (swtpm: 2048), so no capability query is needed.</summary>
    private const int NvChunkSize = 1024;

    private const uint CcNvRead = 0x14E;
    private const uint CcPcrReset = 0x13D;
    private const uint CcShutdown = 0x145;
    private const uint CcActivateCredential = 0x147;
    private const uint CcPolicySecret = 0x151;
    private const uint CcQuote = 0x158;
    private const uint CcFlushContext = 0x165;
    private const uint CcNvReadPublic = 0x169;
    private const uint CcReadPublic = 0x173;
    private const uint CcStartAuthSession = 0x176;
    private const uint CcPcrRead = 0x17E;
    private const uint CcReadClock = 0x181;
    private const uint CcPcrExtend = 0x182;

    private const uint RhNull = 0x40000007;
    private const byte SessionTypePolicy = 0x01;
    private const ushort ShutdownClear = 0x0000;

    private readonly TpmConnection _connection;
    private readonly TimeSpan _commandTimeout;

    /// <summary>Serializes commands: the connection carries one command and its response at a time.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Set, under <see cref="_gate"/>, when a command's bytes may be half-sent or its response half-read.</summary>
    private string? _broken;

    private TpmClient(TpmTarget target, TpmConnection connection, TimeSpan commandTimeout)
    {
        Target = target;
        _connection = connection;
        _commandTimeout = commandTimeout;
    }

    public TpmTarget Target { get; }

    /// <exception cref="TpmException">The TPM cannot be reached: "cannot reach the TPM at swtpm:…: Connection refused".</exception>
    public static Task<TpmClient> ConnectAsync(TpmTarget target, CancellationToken cancellationToken) =>
        ConnectAsync(target, DefaultCommandTimeout, cancellationToken);

    /// <summary>As <see cref="ConnectAsync(TpmTarget, CancellationToken)"/> with another command timeout, for tests of the timeout itself;
    /// connecting still has <see cref="DefaultCommandTimeout"/>.</summary>
    internal static async Task<TpmClient> ConnectAsync(TpmTarget target, TimeSpan commandTimeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultCommandTimeout);
        try
        {
            TpmConnection connection = await TpmConnection.OpenAsync(target, timeout.Token).ConfigureAwait(false);
            return new TpmClient(target, connection, commandTimeout);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TpmException($"cannot reach the TPM at {target}: no connection within {DefaultCommandTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            throw new TpmException($"cannot reach the TPM at {target}: {e.Message}", e);
        }
    }

    /// <summary>TPM2_PCR_Extend of the sha256 bank: PCR = SHA-256(PCR || digest).</summary>
    public async Task PcrExtendAsync(int pcr, ReadOnlyMemory<byte> sha256Digest, CancellationToken cancellationToken)
    {
        CheckPcr(pcr);
        if (sha256Digest.Length != SHA256.HashSizeInBytes)
            throw new ArgumentException($"a sha256 digest is 32 bytes, not {sha256Digest.Length}", nameof(sha256Digest));
        byte[] command = new TpmCommandWriter(CcPcrExtend, withSessions: true)
            .U32((uint)pcr)
            .Authorizations(TpmCommandWriter.PasswordSession)
            .U32(1).U16(TpmAlgorithm.Sha256).Bytes(sha256Digest.Span)
            .ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_PCR_Extend", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        ExpectNoParameters("TPM2_PCR_Extend", parameters);
    }

    /// <summary>TPM2_PCR_Reset: all banks of the PCR to zero (only PCR 16 and 23 are resettable from locality 0).</summary>
    public async Task PcrResetAsync(int pcr, CancellationToken cancellationToken)
    {
        CheckPcr(pcr);
        byte[] command = new TpmCommandWriter(CcPcrReset, withSessions: true)
            .U32((uint)pcr)
            .Authorizations(TpmCommandWriter.PasswordSession)
            .ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_PCR_Reset", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        ExpectNoParameters("TPM2_PCR_Reset", parameters);
    }

    /// <summary>TPM2_PCR_Read of the sha256 bank, repeated until every PCR is read (one response carries at most 8 digests).</summary>
    public async Task<IReadOnlyDictionary<int, byte[]>> PcrReadAsync(IReadOnlyCollection<int> pcrs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pcrs);
        foreach (int pcr in pcrs)
            CheckPcr(pcr);
        var remaining = new SortedSet<int>(pcrs);
        var values = new SortedDictionary<int, byte[]>();
        while (remaining.Count > 0)
        {
            byte[] command = new TpmCommandWriter(CcPcrRead, withSessions: false).Sha256Selection(remaining).ToArray();
            byte[] parameters = (await ExecuteAsync("TPM2_PCR_Read", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
            if (!TryReadPcrValues(parameters, out List<int>? returned, out List<byte[]>? digests, out string error))
                throw Malformed("TPM2_PCR_Read", error);
            if (returned.Count == 0 || !returned.All(remaining.Contains))
                throw new TpmException($"TPM2_PCR_Read: the TPM at {Target} did not return sha256 PCRs {string.Join(',', remaining)} (is the bank allocated?)");
            for (int i = 0; i < returned.Count; i++)
            {
                values[returned[i]] = digests[i];
                remaining.Remove(returned[i]);
            }
        }
        return values;
    }

    /// <summary>TPM2_Quote of sha256-bank PCRs, signed by <paramref name="signHandle"/> (a restricted signing key with an empty
    /// password) with its own scheme, the caller's <paramref name="qualifyingData"/> (nonce) as extraData.</summary>
    public async Task<TpmQuote> QuoteAsync(uint signHandle, ReadOnlyMemory<byte> qualifyingData, IReadOnlyCollection<int> pcrs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pcrs);
        foreach (int pcr in pcrs)
            CheckPcr(pcr);
        byte[] command = new TpmCommandWriter(CcQuote, withSessions: true)
            .U32(signHandle)
            .Authorizations(TpmCommandWriter.PasswordSession)
            .Sized(qualifyingData.Span)
            .U16(TpmAlgorithm.Null)
            .Sha256Selection(pcrs)
            .ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_Quote", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        var reader = new TpmReader(parameters, "TPM2_Quote response");
        if (!reader.Sized("quoted", out ReadOnlySpan<byte> quoted))
            throw Malformed("TPM2_Quote", reader.Error);
        byte[] attest = quoted.ToArray();
        byte[] signature = reader.Rest().ToArray();
        if (!TpmsAttest.TryParse(attest, out _, out string error) || !TpmSignature.TryParse(signature, out _, out error))
            throw Malformed("TPM2_Quote", error);
        return new TpmQuote(attest, signature);
    }

    /// <summary>TPM2_ReadPublic: the public area of a loaded or persistent object, checked against the Name the TPM reports.</summary>
    public async Task<TpmPublicArea> ReadPublicAsync(uint handle, CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcReadPublic, withSessions: false).U32(handle).ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_ReadPublic", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        return ReadPublicResponse(parameters);
    }

    // Parsed apart from the await: a debug build keeps every local of an async method alive across its awaits, spans included.
    private TpmPublicArea ReadPublicResponse(byte[] parameters)
    {
        var reader = new TpmReader(parameters, "TPM2_ReadPublic response");
        if (!reader.Sized("outPublic", out ReadOnlySpan<byte> outPublic)
            || !reader.Sized("name", out ReadOnlySpan<byte> name)
            || !reader.Sized("qualifiedName", out _)
            || !reader.End())
            throw Malformed("TPM2_ReadPublic", reader.Error);
        if (!TpmPublicArea.TryParse(outPublic, out TpmPublicArea? area, out string error))
            throw Malformed("TPM2_ReadPublic", error);
        if (!name.SequenceEqual(area.Name))
            throw Malformed("TPM2_ReadPublic", "the Name the TPM reports is not the Name of the public area it returned");
        return area;
    }

    /// <summary>The whole contents of an NV index (TPM2_NV_ReadPublic for its size, then TPM2_NV_Read in chunks),
    /// authorized by the index itself with the empty password, as EK certificate indices allow.</summary>
    public async Task<byte[]> NvReadAsync(uint nvIndex, CancellationToken cancellationToken)
    {
        int size = await NvSizeAsync(nvIndex, cancellationToken).ConfigureAwait(false);
        byte[] data = new byte[size];
        for (int offset = 0; offset < size; offset += NvChunkSize)
        {
            int chunk = Math.Min(NvChunkSize, size - offset);
            byte[] command = new TpmCommandWriter(CcNvRead, withSessions: true)
                .U32(nvIndex).U32(nvIndex)
                .Authorizations(TpmCommandWriter.PasswordSession)
                .U16((ushort)chunk).U16((ushort)offset)
                .ToArray();
            byte[] parameters = (await ExecuteAsync("TPM2_NV_Read", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
            var reader = new TpmReader(parameters, "TPM2_NV_Read response");
            if (!reader.Sized("data", out ReadOnlySpan<byte> bytes) || !reader.End())
                throw Malformed("TPM2_NV_Read", reader.Error);
            if (bytes.Length != chunk)
                throw Malformed("TPM2_NV_Read", $"asked for {chunk} bytes at offset {offset}, got {bytes.Length}");
            bytes.CopyTo(data.AsSpan(offset));
        }
        return data;
    }

    /// <summary>TPM2_ReadClock.</summary>
    public async Task<TpmClockInfo> ReadClockAsync(CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcReadClock, withSessions: false).ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_ReadClock", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        var reader = new TpmReader(parameters, "TPM2_ReadClock response");
        if (!reader.U64("time", out _)
            || !reader.U64("clockInfo.clock", out ulong clock)
            || !reader.U32("clockInfo.resetCount", out uint resetCount)
            || !reader.U32("clockInfo.restartCount", out uint restartCount)
            || !reader.U8("clockInfo.safe", out byte safe)
            || !reader.End())
            throw Malformed("TPM2_ReadClock", reader.Error);
        return new TpmClockInfo(clock, resetCount, restartCount, safe != 0);
    }

    /// <summary>
    /// TPM2_ActivateCredential: the TPM decrypts a credential made for the object at <paramref name="activateHandle"/> (the AK,
    /// empty password) and the EK at <paramref name="ekHandle"/>, authorized by the TCG default EK policy PolicySecret(TPM_RH_ENDORSEMENT)
    /// in a fresh policy session that is flushed afterwards, also when the command fails.
    /// </summary>
    /// <param name="idObject">The contents of the TPM2B_ID_OBJECT: integrityHMAC as a TPM2B, then encIdentity.</param>
    /// <param name="encryptedSecret">The contents of the TPM2B_ENCRYPTED_SECRET: the seed encrypted to the EK.</param>
    public async Task<byte[]> ActivateCredentialAsync(uint activateHandle, uint ekHandle, ReadOnlyMemory<byte> idObject,
        ReadOnlyMemory<byte> encryptedSecret, CancellationToken cancellationToken)
    {
        (uint session, byte[] nonceTpm) = await StartPolicySessionAsync(cancellationToken).ConfigureAwait(false);
        byte[] credential;
        try
        {
            await PolicySecretEndorsementAsync(session, nonceTpm, cancellationToken).ConfigureAwait(false);
            byte[] command = new TpmCommandWriter(CcActivateCredential, withSessions: true)
                .U32(activateHandle).U32(ekHandle)
                .Authorizations(TpmCommandWriter.PasswordSession, session)
                .Sized(idObject.Span)
                .Sized(encryptedSecret.Span)
                .ToArray();
            byte[] parameters = (await ExecuteAsync("TPM2_ActivateCredential", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
            var reader = new TpmReader(parameters, "TPM2_ActivateCredential response");
            if (!reader.Sized("certInfo", out ReadOnlySpan<byte> certInfo) || !reader.End())
                throw Malformed("TPM2_ActivateCredential", reader.Error);
            credential = certInfo.ToArray();
        }
        catch
        {
            await TryFlushAsync(session).ConfigureAwait(false);
            throw;
        }
        await FlushAsync(session, cancellationToken).ConfigureAwait(false);
        return credential;
    }

    /// <summary>TPM2_Shutdown(TPM_SU_CLEAR): the TPM saves its clock, so after the next start-up its clock is "safe".</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcShutdown, withSessions: false).U16(ShutdownClear).ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_Shutdown", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        ExpectNoParameters("TPM2_Shutdown", parameters);
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }

    private static void CheckPcr(int pcr)
    {
        if (pcr is < 0 or > HighestPcr)
            throw new ArgumentOutOfRangeException(nameof(pcr), pcr, $"PCRs are numbered 0..{HighestPcr}");
    }

    /// <summary>TPML_PCR_SELECTION then TPML_DIGEST, after pcrUpdateCounter; one 32-byte digest per selected PCR.</summary>
    private static bool TryReadPcrValues(byte[] parameters, [NotNullWhen(true)] out List<int>? pcrs, [NotNullWhen(true)] out List<byte[]>? digests,
        out string error)
    {
        digests = null;
        var reader = new TpmReader(parameters, "TPM2_PCR_Read response");
        error = "";
        if (!reader.U32("pcrUpdateCounter", out _)
            || !TpmsAttest.TryReadSha256Selection(ref reader, out pcrs)
            || !reader.U32("pcrValues.count", out uint count))
        {
            pcrs = null;
            error = reader.Error;
            return false;
        }
        if (count != pcrs.Count)
        {
            error = $"TPM2_PCR_Read response: {count} digests for {pcrs.Count} selected PCRs";
            return false;
        }
        digests = [];
        for (uint i = 0; i < count; i++)
        {
            if (!reader.Sized("pcrValues.digest", out ReadOnlySpan<byte> digest))
                break;
            if (digest.Length != SHA256.HashSizeInBytes)
            {
                reader.Fail("pcrValues.digest", $"is {digest.Length} bytes, not 32");
                break;
            }
            digests.Add(digest.ToArray());
        }
        if (digests.Count != count || !reader.End())
        {
            error = reader.Error;
            return false;
        }
        return true;
    }

    /// <summary>TPM2_NV_ReadPublic: the index's dataSize.</summary>
    private async Task<int> NvSizeAsync(uint nvIndex, CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcNvReadPublic, withSessions: false).U32(nvIndex).ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_NV_ReadPublic", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        var reader = new TpmReader(parameters, "TPM2_NV_ReadPublic response");
        if (!reader.Sized("nvPublic", out ReadOnlySpan<byte> nvPublic) || !reader.Sized("nvName", out _) || !reader.End())
            throw Malformed("TPM2_NV_ReadPublic", reader.Error);
        var inner = new TpmReader(nvPublic, "TPMS_NV_PUBLIC");
        if (!inner.U32("nvIndex", out uint index)
            || !inner.U16("nameAlg", out _)
            || !inner.U32("attributes", out _)
            || !inner.Sized("authPolicy", out _)
            || !inner.U16("dataSize", out ushort dataSize)
            || !inner.End())
            throw Malformed("TPM2_NV_ReadPublic", inner.Error);
        if (index != nvIndex)
            throw Malformed("TPM2_NV_ReadPublic", $"asked for index 0x{nvIndex:x8}, got 0x{index:x8}");
        return dataSize;
    }

    /// <summary>TPM2_StartAuthSession: an unsalted, unbound policy session with SHA-256 and no parameter encryption.</summary>
    private async Task<(uint Session, byte[] NonceTpm)> StartPolicySessionAsync(CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcStartAuthSession, withSessions: false)
            .U32(RhNull).U32(RhNull)
            .Sized(RandomNumberGenerator.GetBytes(SHA256.HashSizeInBytes))
            .Sized([])
            .U8(SessionTypePolicy)
            .U16(TpmAlgorithm.Null)
            .U16(TpmAlgorithm.Sha256)
            .ToArray();
        (uint[] handles, byte[] parameters) = await ExecuteAsync("TPM2_StartAuthSession", command, 1, cancellationToken).ConfigureAwait(false);
        var reader = new TpmReader(parameters, "TPM2_StartAuthSession response");
        if (!reader.Sized("nonceTPM", out ReadOnlySpan<byte> nonceTpm) || !reader.End())
        {
            string error = reader.Error;
            await TryFlushAsync(handles[0]).ConfigureAwait(false);
            throw Malformed("TPM2_StartAuthSession", error);
        }
        return (handles[0], nonceTpm.ToArray());
    }

    /// <summary>TPM2_PolicySecret with TPM_RH_ENDORSEMENT (empty password), no cpHash, no policyRef, no expiration.</summary>
    private async Task PolicySecretEndorsementAsync(uint session, byte[] nonceTpm, CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcPolicySecret, withSessions: true)
            .U32(QualifiedName.EndorsementHierarchy).U32(session)
            .Authorizations(TpmCommandWriter.PasswordSession)
            .Sized(nonceTpm)
            .Sized([])
            .Sized([])
            .U32(0)
            .ToArray();
        byte[] parameters = (await ExecuteAsync("TPM2_PolicySecret", command, 0, cancellationToken).ConfigureAwait(false)).Parameters;
        var reader = new TpmReader(parameters, "TPM2_PolicySecret response");
        if (!reader.Sized("timeout", out _)
            || !reader.U16("policyTicket.tag", out _)
            || !reader.U32("policyTicket.hierarchy", out _)
            || !reader.Sized("policyTicket.digest", out _)
            || !reader.End())
            throw Malformed("TPM2_PolicySecret", reader.Error);
    }

    private async Task FlushAsync(uint handle, CancellationToken cancellationToken)
    {
        byte[] command = new TpmCommandWriter(CcFlushContext, withSessions: false).U32(handle).ToArray();
        await ExecuteAsync("TPM2_FlushContext", command, 0, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes after another failure; that failure is what the caller needs to see, so this one is dropped.</summary>
    private async Task TryFlushAsync(uint handle)
    {
        try
        {
            await FlushAsync(handle, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TpmException)
        {
            // The original exception is being rethrown; a TPM that is gone holds no session anyway.
        }
    }

    /// <summary>Sends a command, retrying while the TPM says it is busy, and returns the response's handles and its parameter area.</summary>
    private async Task<(uint[] Handles, byte[] Parameters)> ExecuteAsync(string name, byte[] command, int responseHandles, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            byte[] response = await TransceiveAsync(name, command, cancellationToken).ConfigureAwait(false);
            (uint code, uint[] handles, byte[] parameters) = ReadResponse(name, response, responseHandles);
            if (code == TpmResponseCode.Success)
                return (handles, parameters);
            if (TpmResponseCode.IsRetryable(code) && attempt < MaxAttempts)
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            throw new TpmException($"{name}: the TPM at {Target} returned {TpmResponseCode.Describe(code)}", code);
        }
    }

    /// <summary>
    /// A response's code and, when it is TPM_RC_SUCCESS, its handles and parameter area (empty otherwise). Parsed apart
    /// from <see cref="ExecuteAsync"/>: a debug build keeps an async method's locals alive across its awaits, spans included.
    /// </summary>
    private (uint Code, uint[] Handles, byte[] Parameters) ReadResponse(string name, byte[] response, int responseHandles)
    {
        var reader = new TpmReader(response, $"{name} response");
        if (!reader.U16("tag", out ushort tag) || !reader.U32("responseSize", out _) || !reader.U32("responseCode", out uint code))
            throw Malformed(name, reader.Error);
        if (code != TpmResponseCode.Success)
            return (code, [], []);
        if (tag is not (TpmCommandWriter.NoSessions or TpmCommandWriter.Sessions))
            throw Malformed(name, $"tag 0x{tag:x4} is neither TPM_ST_NO_SESSIONS nor TPM_ST_SESSIONS");
        uint[] handles = new uint[responseHandles];
        for (int i = 0; i < responseHandles; i++)
        {
            if (!reader.U32("handle", out handles[i]))
                throw Malformed(name, reader.Error);
        }
        if (tag == TpmCommandWriter.NoSessions)
            return (code, handles, reader.Rest().ToArray());
        if (!reader.U32("parameterSize", out uint parameterSize) || !reader.Bytes("parameters", checked((int)Math.Min(parameterSize, int.MaxValue)), out ReadOnlySpan<byte> parameters))
            throw Malformed(name, reader.Error);
        // The rest is the response authorization area; password and policy sessions without HMAC carry nothing to check.
        return (code, handles, parameters.ToArray());
    }

    private async Task<byte[]> TransceiveAsync(string name, byte[] command, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is not null)
                throw new TpmException($"{name}: the connection to the TPM at {Target} is unusable after an earlier failure ({_broken}); reconnect");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_commandTimeout);
            try
            {
                return await _connection.TransceiveAsync(command, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _broken = $"{name} got no answer within {_commandTimeout.TotalSeconds:0.#} s";
                throw new TpmException($"{name}: the TPM at {Target} did not answer within {_commandTimeout.TotalSeconds:0.#} s");
            }
            catch (OperationCanceledException)
            {
                _broken = $"{name} was cancelled";
                throw;
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                _broken = $"{name}: {e.Message}";
                throw new TpmException($"{name}: lost the TPM at {Target}: {e.Message}", e);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void ExpectNoParameters(string name, byte[] parameters)
    {
        if (parameters.Length != 0)
            throw Malformed(name, $"{parameters.Length} unexpected parameter bytes");
    }

    private TpmException Malformed(string name, string error) => new($"{name}: malformed response from the TPM at {Target}: {error}");
}
