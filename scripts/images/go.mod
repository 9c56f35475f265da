module kubecache.local/images

go 1.26
