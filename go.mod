module tocsin

go 1.26.8

require (
	github.com/klauspost/compress v1.20.4
	github.com/valyala/fastjson v1.6.10
	go.yaml.in/yaml/v3 v3.0.6
)
