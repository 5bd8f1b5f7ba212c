%% hex_client drives hex_core's API client (the r3_hex_api_* modules inside
%% rebar3, the library behind `rebar3 hex`) for Depot's Go tests.
%%
%% run(Overrides, Module, Function, Args) calls Module:Function(Config, Args...)
%% with hex_core's default configuration merged with Overrides (api_url,
%% api_key, api_repository, api_organization) and prints the result,
%% {ok, {Status, Headers, Body}} or {error, Reason}, as the hex digits of its
%% external term format, which the test decodes.
-module(hex_client).
-export([run/4]).

run(Overrides, Module, Function, Args) ->
    {ok, _} = application:ensure_all_started(inets),
    Config = maps:merge(r3_hex_core:default_config(), Overrides),
    Result = apply(Module, Function, [Config | Args]),
    io:format("~s", [binary:encode_hex(term_to_binary(Result))]).
