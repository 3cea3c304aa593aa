using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TimeMark.Attestation.Reports;
using TimeMark.Attestation.Tpm;
using TimeMark.Broker.Hosting;

namespace TimeMark.Broker.Http;

/// <summary>
/// Remote attestation over HTTP (docs/attestation.md): <c>GET /attestation?nonce=HEX</c> answers with the
/// signed report, <c>POST /attestation/credential</c> is the second round trip of credential activation.
/// </summary>
public static class AttestationEndpoints
{
    /// <summary>An id object and an encrypted secret for a 2048-bit EK fit in well under this.</summary>
    private const int MaxCredentialRequestBytes = 4096;

    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/attestation", async (string? nonce, BrokerService broker, CancellationToken cancellationToken) =>
        {
            if (!TryParseNonce(nonce, out byte[] bytes, out string problem))
                return Results.BadRequest(problem + "\n");
            AttestationReport report = await broker.Attestation.ReportAsync(bytes, cancellationToken).ConfigureAwait(false);
            return Results.Text(report.Format(), "application/json");
        });

        routes.MapPost("/attestation/credential", async (HttpRequest request, BrokerService broker, CancellationToken cancellationToken) =>
        {
            if (!broker.Attestation.HasTpm)
                return Results.Text("this broker has no TPM (Attestation:Tpm is not set)\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            if (request.ContentLength is > MaxCredentialRequestBytes)
                return Results.BadRequest($"a credential request is at most {MaxCredentialRequestBytes} bytes\n");
            byte[] idObject, encryptedSecret;
            try
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
                if (body.Length > MaxCredentialRequestBytes)
                    return Results.BadRequest($"a credential request is at most {MaxCredentialRequestBytes} bytes\n");
                using JsonDocument json = JsonDocument.Parse(body.ToArray());
                idObject = Convert.FromBase64String(json.RootElement.GetProperty("id_object").GetString() ?? "");
                encryptedSecret = Convert.FromBase64String(json.RootElement.GetProperty("encrypted_secret").GetString() ?? "");
            }
            catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                return Results.BadRequest("expected {\"id_object\": BASE64, \"encrypted_secret\": BASE64}\n");
            }

            try
            {
                byte[] secret = await broker.Attestation.ActivateCredentialAsync(idObject, encryptedSecret, cancellationToken).ConfigureAwait(false);
                return Results.Json(new { secret = Convert.ToBase64String(secret) });
            }
            catch (TpmException e) when (e.ResponseCode is not null)
            {
                return Results.BadRequest($"the TPM refused the credential: {e.Message}\n");
            }
            catch (TpmException e)
            {
                return Results.Text($"the TPM cannot be reached: {e.Message}\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
    }

    private static bool TryParseNonce(string? hex, out byte[] nonce, out string problem)
    {
        nonce = [];
        problem = $"need ?nonce= with 1 to {AttestationReport.MaxNonceLength} bytes in hex";
        if (string.IsNullOrEmpty(hex) || hex.Length % 2 != 0 || hex.Length > 2 * AttestationReport.MaxNonceLength)
            return false;
        try
        {
            nonce = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
