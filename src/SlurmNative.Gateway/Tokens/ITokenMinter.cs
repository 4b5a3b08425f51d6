using SlurmNative.Jwt;
using SlurmNative.Jwt.Keys;
using SlurmNative.Jwt.Tokens;

namespace SlurmNative.Gateway.Tokens;

internal interface ITokenMinter
{
    string Mint(string userName, TimeSpan lifespan);
}
