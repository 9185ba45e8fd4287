#!/usr/bin/env python3
"""Portcullis test peer: the Python SDK client's own OAuth flow against the gateway's built-in
authorization server, with this script also playing the browser behind the trusted proxy.

Usage: python oauth_client.py <mcp-url> --user NAME [--wait-s N]
  The SDK discovers the authorization server from the gateway's 401, registers a public client,
  and hands the authorization URL to the redirect handler here, which GETs it with
  X-Forwarded-User, reads the consent form, posts "approve" with the form's CSRF token and cookie,
  and hands the code from the redirect to the callback handler. The SDK exchanges it, lists tools
  and calls echo; after --wait-s seconds (default 0) it calls echo again (with a short access-token
  lifetime that call needs a refresh).
stdout, last line: {"tools": [names], "echo": text, "echoAfterWait": text, "tokensSaved": n}
Any failure: a message on stderr and exit code 1.
"""

import argparse
import asyncio
import json
import re
import sys
import urllib.parse

import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT = "http://127.0.0.1:49153/callback"


class MemoryStorage(TokenStorage):
    def __init__(self):
        self.tokens = None
        self.client = None
        self.saved = 0

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.saved += 1

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """The user's browser, behind the trusted proxy that names the user."""

    def __init__(self, user: str):
        self.headers = {"X-Forwarded-User": user}
        self.result: AuthorizationCodeResult | None = None

    async def visit(self, authorization_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            page = await http.get(authorization_url, headers=self.headers)
            if page.status_code != 200:
                raise RuntimeError(f"authorize answered {page.status_code}: {page.text}")
            field = lambda name: re.search(f'name="{name}" value="([^"]+)"', page.text).group(1)
            cookie = page.headers.get("set-cookie", "").split(";")[0]
            consent_url = urllib.parse.urljoin(authorization_url, "/authorize/consent")
            answer = await http.post(consent_url, headers={**self.headers, "Cookie": cookie},
                                     data={"request": field("request"), "csrf": field("csrf"), "decision": "approve"})
            if answer.status_code != 302:
                raise RuntimeError(f"consent answered {answer.status_code}: {answer.text}")
            query = urllib.parse.parse_qs(urllib.parse.urlparse(answer.headers["location"]).query)
            self.result = AuthorizationCodeResult(code=query["code"][0], state=query.get("state", [None])[0],
                                                  iss=query.get("iss", [None])[0])

    async def callback(self) -> AuthorizationCodeResult:
        return self.result


def text_of(result) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--user", required=True)
    parser.add_argument("--wait-s", type=float, default=0)
    args = parser.parse_args()

    storage = MemoryStorage()
    browser = Browser(args.user)
    auth = OAuthClientProvider(
        server_url=args.url,
        client_metadata=OAuthClientMetadata(client_name="portcullis-python-oauth-test", redirect_uris=[REDIRECT],
                                            grant_types=["authorization_code", "refresh_token"],
                                            response_types=["code"], token_endpoint_auth_method="none"),
        storage=storage,
        redirect_handler=browser.visit,
        callback_handler=browser.callback,
    )
    async with httpx2.AsyncClient(auth=auth, timeout=30) as http:
        async with streamable_http_client(args.url, http_client=http) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = [t.name for t in (await session.list_tools()).tools]
                echo = text_of(await session.call_tool("echo", {"message": "python through oauth"}))
                after = None
                if args.wait_s > 0:
                    await asyncio.sleep(args.wait_s)
                    after = text_of(await session.call_tool("echo", {"message": "python after refresh"}))
    print(json.dumps({"tools": tools, "echo": echo, "echoAfterWait": after, "tokensSaved": storage.saved}))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as e:  # noqa: BLE001 - report any failure to the test
        print(f"oauth_client: {e!r}", file=sys.stderr)
        raise SystemExit(1)
