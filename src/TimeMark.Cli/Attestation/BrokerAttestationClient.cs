using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using TimeMark.Attestation.Credentials;
using TimeMark.Attestation.Reports;

namespace TimeMark.Cli.Attestation;

/// <summary>
/// The broker's attestation endpoints over HTTP: GET /keys, GET /attestation?nonce=HEX and
/// POST /attestation/credential. It only carries bytes; everything it brings back is checked by
/// <see cref="AttestationVerifier"/>.
/// </summary>
internal sealed class BrokerAttestationClient : IDisposable
{
    /// <summary>Generous for a TPM quote and a credential activation on a slow TPM (each takes well under a second).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    public BrokerAttestationClient(Uri broker) => _http = new HttpClient
    {
        BaseAddress = broker,
        Timeout = RequestTimeout,
        MaxResponseContentBufferSize = AttestationReport.MaxSize,
    };

    /// <summary>Why the last credential round trip gave no secret, for the user to read beside the failed check.</summary>
    public string? CredentialFailure { get; private set; }

    /// <summary>The time-mark key GET /keys serves, as PEM.</summary>
    /// <exception cref="InputException">The broker cannot be reached or answers something else.</exception>
    public async Task<string> FetchTimeMarkKeyPemAsync(CancellationToken cancellationToken)
    {
        byte[] body = await GetAsync("keys", cancellationToken).ConfigureAwait(false);
        try
        {
            using JsonDocument keys = JsonDocument.Parse(body);
            return keys.RootElement.GetProperty("timemark_key_pem").GetString()
                ?? throw new InputException($"{_http.BaseAddress}keys: timemark_key_pem is null");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InputException($"{_http.BaseAddress}keys: not a TimeMark key document ({e.Message})", e);
        }
    }

    /// <summary>The report's bytes, unparsed: a report that does not parse is a failed check, not an input error.</summary>
    /// <exception cref="InputException">The broker cannot be reached or does not answer 200.</exception>
    public Task<byte[]> FetchReportAsync(ReadOnlySpan<byte> nonce, CancellationToken cancellationToken) =>
        GetAsync($"attestation?nonce={Convert.ToHexStringLower(nonce)}", cancellationToken);

    /// <summary>
    /// POST /attestation/credential; the secret the broker's TPM recovered, or null (with
    /// <see cref="CredentialFailure"/> saying why) when it answered anything else or could not be reached.
    /// </summary>
    public async Task<byte[]?> ActivateCredentialAsync(MadeCredential credential, CancellationToken cancellationToken)
    {
        const string path = "attestation/credential";
        var body = new JsonObject
        {
            ["id_object"] = Convert.ToBase64String(credential.IdObject),
            ["encrypted_secret"] = Convert.ToBase64String(credential.EncryptedSecret),
        };
        try
        {
            using HttpResponseMessage response = await _http.PostAsJsonAsync(path, body, cancellationToken).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return Failed($"{path}: HTTP {(int)response.StatusCode}: {Shorten(text)}");
            using JsonDocument answer = JsonDocument.Parse(text);
            if (answer.RootElement.ValueKind != JsonValueKind.Object || !answer.RootElement.TryGetProperty("secret", out JsonElement secret)
                || secret.ValueKind != JsonValueKind.String || !secret.TryGetBytesFromBase64(out byte[]? bytes))
                return Failed($"{path}: the answer has no base64 \"secret\"");
            return bytes;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return Failed($"{path}: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();

    private byte[]? Failed(string reason)
    {
        CredentialFailure = reason;
        return null;
    }

    private async Task<byte[]> GetAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                string reason = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new InputException($"{_http.BaseAddress}{path}: HTTP {(int)response.StatusCode}{(reason.Length > 0 ? ": " + Shorten(reason) : "")}");
            }
            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            throw new InputException($"cannot reach the broker at {_http.BaseAddress}{path}: {e.Message}", e);
        }
    }

    /// <summary>A broker's plain-text reason on one short line.</summary>
    private static string Shorten(string text)
    {
        string line = text.Trim().ReplaceLineEndings(" ");
        return line.Length <= 200 ? line : line[..200] + "…";
    }
}
