%% Generates the golden *.etf files in this directory with real Erlang:
%%   cd hexapi/etf/testdata && escript golden.erl
main(_) ->
    G = [
        {"error_422", #{<<"status">> => 422, <<"message">> => <<"Validation error(s)">>,
                        <<"errors">> => #{<<"name">> => <<"has already been taken">>}}},
        {"list_of_maps", [#{<<"name">> => <<"decimal">>, <<"downloads">> => 123456},
                          #{<<"name">> => <<"jason">>, <<"downloads">> => 70000}]},
        {"key_create", #{<<"name">> => <<"ci">>,
                         <<"permissions">> => [#{<<"domain">> => <<"api">>, <<"resource">> => <<"write">>}]}},
        {"retire", #{<<"reason">> => <<"security">>, <<"message">> => <<"CVE-2026-1">>}},
        {"owner", #{<<"level">> => <<"full">>, <<"transfer">> => true}},
        {"scalars", [0, 255, 256, -1, 2147483647, -2147483648, 2147483648,
                     9223372036854775807, -9223372036854775808, 1.5, -0.25,
                     true, false, nil, [], "abc", <<>>, {ok, <<"x">>}]},
        {"atom_value", #{<<"name">> => decimal}}
    ],
    [ok = file:write_file(N ++ ".etf", term_to_binary(T)) || {N, T} <- G],
    ok.
