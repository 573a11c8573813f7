// s3get reads one S3 object with the AWS SDK for Go as Debian packages it
// (v1: golang-github-aws-aws-sdk-go-dev, v2: golang-github-aws-aws-sdk-go-v2-dev),
// credentials from the SDK's default chain: the shared config with AWS_PROFILE
// (chain and process style), container credentials or IMDS (irsa-agent exec).
// Every service call goes to -endpoint (moto), STS included. Prints the object.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	awsv1 "github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/endpoints"
	"github.com/aws/aws-sdk-go/aws/session"
	s3v1 "github.com/aws/aws-sdk-go/service/s3"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	s3v2 "github.com/aws/aws-sdk-go-v2/service/s3"
)

func getV1(endpoint, region, bucket, key string) ([]byte, error) {
	resolver := endpoints.ResolverFunc(func(service, r string, opts ...func(*endpoints.Options)) (endpoints.ResolvedEndpoint, error) {
		return endpoints.ResolvedEndpoint{URL: endpoint, SigningRegion: region}, nil
	})
	sess, err := session.NewSessionWithOptions(session.Options{
		SharedConfigState: session.SharedConfigEnable,
		Config: awsv1.Config{
			Region:           awsv1.String(region),
			EndpointResolver: resolver,
			S3ForcePathStyle: awsv1.Bool(true),
		},
	})
	if err != nil {
		return nil, err
	}
	out, err := s3v1.New(sess).GetObject(&s3v1.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func getV2(endpoint, region, bucket, key string) ([]byte, error) {
	ctx := context.Background()
	resolver := awsv2.EndpointResolverWithOptionsFunc(func(service, r string, opts ...interface{}) (awsv2.Endpoint, error) {
		return awsv2.Endpoint{URL: endpoint, SigningRegion: region, HostnameImmutable: true}, nil
	})
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region),
		config.WithEndpointResolverWithOptions(resolver))
	if err != nil {
		return nil, err
	}
	client := s3v2.NewFromConfig(cfg, func(o *s3v2.Options) { o.UsePathStyle = true })
	out, err := client.GetObject(ctx, &s3v2.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func main() {
	sdk := flag.String("sdk", "v1", "v1 or v2")
	endpoint := flag.String("endpoint", "", "the URL of every service (moto)")
	region := flag.String("region", "us-east-1", "the region")
	bucket := flag.String("bucket", "", "the bucket")
	key := flag.String("key", "", "the object's key")
	flag.Parse()
	get := getV1
	if *sdk == "v2" {
		get = getV2
	}
	body, err := get(*endpoint, *region, *bucket, *key)
	if err != nil {
		fmt.Fprintf(os.Stderr, "s3get %s: %v\n", *sdk, err)
		os.Exit(1)
	}
	os.Stdout.Write(body)
}
