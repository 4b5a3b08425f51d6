using SlurmNative.Credentials.Protocol;
using SlurmNative.Credentials.Accounts;

namespace SlurmNative.Gateway.Login;

internal interface ILocalAccounts
{
    LocalAccount? Find(string userName);
}
